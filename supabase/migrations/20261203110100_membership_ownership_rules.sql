-- =============================================================================
-- Ownership rules on public.memberships.
--
-- Owners and admins change memberships directly through PostgREST (role,
-- client_id, on_call; delete), under the memberships_update/_delete policies.
-- Those policies say WHO may touch a membership of the organization, not what
-- the change may be. This trigger adds, for every writer:
--
--   1. Only an owner grants or removes the owner role: an insert, update or
--      delete of a membership whose old or new role is owner needs the caller
--      to be an owner of that organization. Admins manage every other role
--      but never an owner's membership, nor their own promotion. Applies to
--      signed-in users; the system actor (service_role onboarding, postgres)
--      is trusted, but still bound by rule 2.
--   2. An organization always keeps at least one owner. Every update or
--      delete of a membership (and every insert of an owner) first locks the
--      organization row (FOR NO KEY UPDATE: it does not block inserts of child
--      rows, whose foreign keys take KEY SHARE); the checks then run in fresh
--      statements. Two owners stepping down, or demoting each other, at the
--      same time are serialized on that lock: under READ COMMITTED (the server
--      default, and PostgREST's) the second one sees the first one's commit
--      and is refused (no owner left, or no longer an owner). Under
--      REPEATABLE READ or SERIALIZABLE the snapshot predates the other
--      commit, so the other owners' rows are also locked FOR SHARE: a row a
--      concurrent transaction changed raises a serialization failure (40001)
--      or a deadlock (40P01), both retryable, never zero owners. (Not done
--      under READ COMMITTED: the row lock the concurrent UPDATE already holds
--      would make the two transactions deadlock instead of one waiting.)
--      A membership never moves between organizations (org_id is not
--      granted for update; refused here for everyone), so the rule only
--      needs the organization of the old row.
--   3. A technician who still holds open missions (assigned, in progress or
--      blocked) keeps the technician role: changing their role or removing
--      them is refused with the number of missions and what to do (reassign
--      them first). Missions name their technician by (org_id, user_id), and
--      the missions_technician_role trigger only checks on mission writes, so
--      without this a mission in progress would be left with a technician who
--      is not one.
--   4. A signed-in caller needs a live session for any membership change
--      (private.assert_live_session): roles are what every policy trusts.
--
-- When the organization itself is being deleted (its row is already gone in
-- this transaction, memberships cascading), none of this applies.
--
-- Ownership is handed over with public.transfer_ownership (next migration),
-- which promotes the new owner before demoting the old one and records a
-- named 'ownership_transferred' audit row.
-- =============================================================================

create function private.guard_membership_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old_role public.member_role := case when tg_op <> 'INSERT' then old.role end;
  v_new_role public.member_role := case when tg_op <> 'DELETE' then new.role end;
  v_org uuid := case when tg_op = 'INSERT' then new.org_id else old.org_id end;
  v_user uuid := auth.uid();
  v_open_missions bigint;
begin
  if tg_op = 'UPDATE' and new.org_id is distinct from old.org_id then
    raise exception 'A membership cannot move to another organization'
      using errcode = '23514', hint = 'Delete it and create a membership in the other organization.';
  end if;
  -- Every change that could touch an owner takes the organization row lock
  -- first, so the checks below run after any concurrent owner change has
  -- committed (rules 1 and 2). When the row is gone, the organization is
  -- being deleted in this transaction and the memberships go with it.
  if tg_op <> 'INSERT' or v_new_role = 'owner' then
    if not exists (select from public.organizations o where o.id = v_org for no key update) and tg_op <> 'INSERT' then
      return old;
    end if;
  end if;

  if v_user is not null then
    perform private.assert_live_session();
    if 'owner' in (v_old_role, v_new_role) and not private.has_role_in(v_org, '{owner}') then
      raise exception 'Only an owner can grant or remove the owner role, or change an owner''s membership'
        using errcode = '42501',
              hint = 'Admins manage every other role. An owner hands over ownership with transfer_ownership.';
    end if;
  end if;
  if tg_op = 'UPDATE' and v_new_role = v_old_role then
    return new; -- on_call / client_id changes: no role changes hands
  end if;

  if v_old_role = 'owner' then
    if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
      perform from public.memberships m
      where m.org_id = v_org and m.role = 'owner' and m.id <> old.id
      for share;
    end if;
    if not exists (
      select from public.memberships m
      where m.org_id = v_org and m.role = 'owner' and m.id <> old.id
    ) then
      raise exception 'An organization keeps at least one owner: % is its only owner', old.user_id
        using errcode = '23514',
              hint = 'Make another member owner first, or hand over with transfer_ownership.';
    end if;
  end if;

  if v_old_role = 'technician' then
    select count(*) into v_open_missions
    from public.missions mi
    where mi.technician_id = old.user_id
      and mi.org_id = v_org
      and mi.status in ('assigned', 'in_progress', 'blocked');
    if v_open_missions > 0 then
      raise exception 'Technician % still holds % open mission(s) (assigned, in progress or blocked)',
                      old.user_id, v_open_missions
        using errcode = '23514',
              hint = 'Reassign those missions to another technician first, then change the role or remove the member.';
    end if;
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;
comment on function private.guard_membership_change() is
  'BEFORE INSERT/UPDATE/DELETE on memberships: only owners grant or remove the owner role; an organization keeps at least '
  'one owner (organization row locked); a technician with open missions keeps the role; a membership stays in its '
  'organization; signed-in callers need a live session.';
revoke all on function private.guard_membership_change() from public, anon, authenticated, service_role;

create trigger memberships_guard_change
  before insert or update or delete on public.memberships
  for each row execute function private.guard_membership_change();

-- The technician check looks missions up by (technician_id, …): covered by
-- missions_technician_idx (technician_id, scheduled_start). The owner check
-- reads memberships by org_id: covered by memberships_one_per_org (org_id, user_id).

update private.permission_matrix
set note = 'role, client_id, on_call (column grants). Only an owner grants or removes the owner role; an organization keeps '
           'at least one owner; a technician with open missions keeps the role. Needs a live session. New members are '
           'invited through service_role (auth user + membership).'
where table_name = 'public.memberships' and operation = 'update';
update private.permission_matrix
set note = 'Ends a membership. Only an owner removes an owner, never the last one; refused while the member holds open '
           'missions, and by foreign keys while missions or timesheets still name the member. Needs a live session.'
where table_name = 'public.memberships' and operation = 'delete';
