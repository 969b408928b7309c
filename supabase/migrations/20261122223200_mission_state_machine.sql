-- =============================================================================
-- Mission state machine (DESIGN.md invariant 1).
--
-- The permitted moves are data (public.mission_valid_transitions), so the
-- graph can be read by the apps and by people, and a test can walk it. The
-- trigger private.validate_mission_transition() is the only gate: whoever
-- updates missions.status (an API function, PostgREST, the invoicing code, a
-- maintenance session) goes through it.
--
--   new ─→ published ─→ assigned ─→ in_progress ⇄ blocked
--    │         │                        │
--    └──→ cancelled ←┘                  └─→ done ─→ invoiced (invoicing only)
--
-- Extension to DESIGN.md: `cancelled`, reachable from new and published
-- (owner, admin, dispatcher); once a technician holds a mission it is finished
-- or blocked, not cancelled.
--
-- Who may move: a user by their role in the mission's organization
-- (allowed_roles); a technician only on missions assigned to them
-- (requires_assignee), except when accepting a published mission, which
-- assigns it to them. The system actor (private.is_system_actor()) skips role
-- checks but not the graph. done → invoiced has no user role at all: only
-- code running in the invoicing system context may make it
-- (set_config('terrain.system_context', 'invoicing', true)).
-- =============================================================================

create table public.mission_valid_transitions (
  from_status       public.mission_status not null,
  to_status         public.mission_status not null,
  -- Roles (in the mission's organization) allowed to make the move; empty when only a system context may.
  allowed_roles     public.member_role[] not null,
  -- A technician may make the move only on a mission assigned to them.
  requires_assignee boolean not null default false,
  -- The move needs a reason (for blocked: missions.blocked_reason).
  requires_reason   boolean not null default false,
  -- When set, the move is made only by code running in this terrain.system_context (never by a user directly).
  system_context    text,
  description       text not null,
  constraint mission_valid_transitions_pkey primary key (from_status, to_status),
  constraint mission_valid_transitions_not_a_loop check (from_status <> to_status),
  -- Either people (by role) or one system context makes a move, never both, never neither.
  constraint mission_valid_transitions_one_kind_of_actor check ((system_context is null) = (cardinality(allowed_roles) > 0)),
  constraint mission_valid_transitions_assignee_is_technician check (not requires_assignee or 'technician' = any (allowed_roles))
);
comment on table public.mission_valid_transitions is
  'Reference data (global, not per organization): the mission status graph, who may make each move and what it needs. '
  'Enforced by trigger private.validate_mission_transition(); any pair not listed is an invalid transition.';
comment on column public.mission_valid_transitions.requires_assignee is
  'A technician may make this move only on a mission assigned to them. (published → assigned is not flagged: '
  'a technician accepting a mission becomes its technician.)';

insert into public.mission_valid_transitions (from_status, to_status, allowed_roles, requires_assignee, requires_reason, system_context, description) values
  ('new',         'published',   '{owner,admin,dispatcher}',            false, false, null,
   'Dispatch publishes a mission so technicians can see and accept it.'),
  ('published',   'assigned',    '{owner,admin,dispatcher,technician}', false, false, null,
   'A technician accepts the mission (it becomes theirs), or dispatch assigns it to a technician.'),
  ('assigned',    'in_progress', '{technician}',                        true,  false, null,
   'The assigned technician starts work on site.'),
  ('in_progress', 'blocked',     '{owner,admin,dispatcher,technician}', true,  true,  null,
   'Work stops for a reason (missing part, no access); the blocked-mission alert watches these.'),
  ('blocked',     'in_progress', '{owner,admin,dispatcher,technician}', true,  false, null,
   'Work resumes; the blocking reason is cleared (it stays in the history).'),
  ('in_progress', 'done',        '{owner,admin,technician}',            true,  false, null,
   'The work is finished and can be invoiced.'),
  ('done',        'invoiced',    '{}',                                  false, false, 'invoicing',
   'Set by invoicing when the mission is put on an invoice, never by a user directly.'),
  ('new',         'cancelled',   '{owner,admin,dispatcher}',            false, false, null,
   'Extension: a mission nobody has accepted yet is called off.'),
  ('published',   'cancelled',   '{owner,admin,dispatcher}',            false, false, null,
   'Extension: a mission nobody has accepted yet is called off.');

-- Readable reference data: the RLS migration adds a read policy and grant.
alter table public.mission_valid_transitions enable row level security;

-- Deleting a user sets changed_by to null: index the foreign key.
create index mission_status_history_changed_by_idx on public.mission_status_history (changed_by) where changed_by is not null;

-- -----------------------------------------------------------------------------
-- The gate. BEFORE INSERT: a mission starts as `new`. BEFORE UPDATE OF status:
-- the move must be in the graph, the actor allowed, the data complete; the
-- lifecycle columns follow the status. SECURITY DEFINER so it reads the graph and
-- memberships whatever the caller's grants.
--
-- The reason of a move other than blocking (unblocking, cancelling) reaches the
-- history through the transaction-local setting terrain.transition_reason, which
-- public.transition_mission sets around its UPDATE; a direct UPDATE has none.
-- -----------------------------------------------------------------------------
create function private.validate_mission_transition()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rule   public.mission_valid_transitions%rowtype;
  v_uid    uuid := auth.uid();
  v_role   public.member_role;
  v_reason text;
begin
  if tg_op = 'INSERT' then
    if new.status is distinct from 'new' then
      raise exception 'A mission is created with status new, not %', new.status using errcode = 'P0001';
    end if;
    if num_nonnulls(new.started_at, new.blocked_at, new.blocked_reason, new.completed_at, new.invoiced_at) > 0 then
      raise exception 'A new mission has no started_at, blocked_at, blocked_reason, completed_at or invoiced_at'
        using errcode = '23514';
    end if;
    -- A signed-in creator is who they are; only the system (imports, seeds) names another.
    if v_uid is not null then
      new.created_by := v_uid;
    end if;
    return new;
  end if;

  -- Not a change: nothing to check, nothing to record.
  if new.status = old.status then
    return new;
  end if;

  select t.* into v_rule
  from public.mission_valid_transitions t
  where t.from_status = old.status and t.to_status = new.status;
  if not found then
    raise exception 'Invalid transition: % → %', old.status, new.status using errcode = 'P0001';
  end if;

  -- Who may make this move.
  if v_rule.system_context is not null then
    if coalesce(pg_catalog.current_setting('terrain.system_context', true), '') <> v_rule.system_context then
      raise exception 'Only % may move a mission from % to %', v_rule.system_context, old.status, new.status
        using errcode = '42501';
    end if;
  elsif not private.is_system_actor() then
    if v_uid is not null then
      v_role := private.member_role_in(new.org_id);
    end if;
    if v_role is null then
      raise exception 'Not a member of the mission''s organization' using errcode = '42501';
    end if;
    if not (v_role = any (v_rule.allowed_roles)) then
      raise exception 'Role % may not move a mission from % to %', v_role, old.status, new.status using errcode = '42501';
    end if;
    if v_role = 'technician' then
      if new.status = 'assigned' then
        -- Accepting: the mission becomes the caller's; it cannot be taken for someone else
        -- nor from a technician it was offered to.
        if coalesce(old.technician_id, v_uid) <> v_uid or coalesce(new.technician_id, v_uid) <> v_uid then
          raise exception 'Technicians may only accept a mission for themselves' using errcode = '42501';
        end if;
        new.technician_id := v_uid;
      elsif v_rule.requires_assignee
            and (old.technician_id is distinct from v_uid or new.technician_id is distinct from v_uid) then
        raise exception 'Technicians may only move missions assigned to them' using errcode = '42501';
      end if;
    end if;
  end if;

  -- What the move needs, whoever makes it.
  v_reason := case when new.status = 'blocked' then nullif(btrim(new.blocked_reason), '') end;
  v_reason := coalesce(v_reason, nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), ''));
  if v_rule.requires_reason and v_reason is null then
    raise exception 'A reason is required to move a mission from % to %', old.status, new.status using errcode = '23514';
  end if;
  if new.status not in ('new', 'published', 'cancelled') and new.technician_id is null then
    raise exception 'A technician is required to move a mission from % to %', old.status, new.status using errcode = '23514';
  end if;

  -- Lifecycle columns follow the status: set here, never taken from the caller
  -- (whatever else the UPDATE put in them is discarded).
  new.started_at     := old.started_at;
  new.blocked_at     := old.blocked_at;
  new.blocked_reason := old.blocked_reason;
  new.completed_at   := old.completed_at;
  new.invoiced_at    := old.invoiced_at;
  case new.status
    when 'in_progress' then
      new.started_at := coalesce(old.started_at, now());  -- the first start; resuming keeps it
      new.blocked_at := null;                             -- "blocked since": no longer blocked
      new.blocked_reason := null;                         -- the history keeps it
    when 'blocked' then
      new.blocked_at := now();
      new.blocked_reason := v_reason;
    when 'done' then
      new.completed_at := now();
    when 'invoiced' then
      new.invoiced_at := now();
    else
      null;
  end case;
  return new;
end;
$$;
comment on function private.validate_mission_transition() is
  'Mission state machine: a mission is created as new; a status change must be a row of mission_valid_transitions, '
  'made by an allowed role (technicians on their own missions) or the system actor, with its reason/technician; '
  'sets started_at, blocked_at, blocked_reason, completed_at, invoiced_at.';

-- -----------------------------------------------------------------------------
-- Columns the state machine owns, for every UPDATE (not only UPDATE OF status):
--  * started_at, blocked_at, completed_at, invoiced_at change only with the
--    status, and blocked_reason only with the status or while blocked — so the
--    blocked-mission alert and durations can be trusted;
--  * a technician changes nothing but the status (and what follows from it):
--    schedule, client, site, description, priority and assignment are the
--    dispatcher's. Technicians act through the API functions; if the RLS
--    migration ever lets them UPDATE missions directly, this still holds.
-- The system actor may correct anything (data fixes, seeds); the status itself
-- stays under validate_mission_transition().
-- Named so that it fires before missions_status_transition (alphabetical order).
-- -----------------------------------------------------------------------------
create function private.guard_mission_columns()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state_columns constant text[] := array['status', 'technician_id', 'started_at', 'blocked_at', 'blocked_reason',
                                           'completed_at', 'invoiced_at', 'updated_at'];
  v_uid uuid := auth.uid();
begin
  if private.is_system_actor() then
    return new;
  end if;
  if new.status = old.status
     and (new.started_at is distinct from old.started_at
          or new.blocked_at is distinct from old.blocked_at
          or new.completed_at is distinct from old.completed_at
          or new.invoiced_at is distinct from old.invoiced_at
          or (new.blocked_reason is distinct from old.blocked_reason and old.status <> 'blocked')) then
    raise exception 'started_at, blocked_at, blocked_reason, completed_at and invoiced_at change only with the mission status'
      using errcode = '42501';
  end if;
  if v_uid is not null and private.member_role_in(old.org_id) = 'technician'
     and ((pg_catalog.to_jsonb(new) - v_state_columns) <> (pg_catalog.to_jsonb(old) - v_state_columns)
          or (new.status = old.status
              and (new.technician_id is distinct from old.technician_id
                   or new.blocked_reason is distinct from old.blocked_reason))) then
    raise exception 'Technicians may only change a mission''s status' using errcode = '42501';
  end if;
  return new;
end;
$$;
comment on function private.guard_mission_columns() is
  'Lifecycle columns change only with the status; technicians change nothing but the status; the system actor is exempt.';

create function private.record_mission_status_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.mission_status_history (org_id, mission_id, from_status, to_status, changed_by, reason)
  values (
    new.org_id,
    new.id,
    case when tg_op = 'UPDATE' then old.status end,
    new.status,
    auth.uid(),
    case when new.status = 'blocked' then new.blocked_reason
         when tg_op = 'UPDATE' then nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), '') end
  );
  return null;
end;
$$;
comment on function private.record_mission_status_change() is
  'Writes mission_status_history (who = auth.uid(), null for the system; from, to, when, reason) after a creation or a real status change.';

create trigger missions_guard_columns
  before update on public.missions
  for each row execute function private.guard_mission_columns();
create trigger missions_status_transition
  before insert or update of status on public.missions
  for each row execute function private.validate_mission_transition();
-- AFTER: the row exists (foreign key) and every BEFORE trigger has accepted it.
create trigger missions_status_history_insert
  after insert on public.missions
  for each row execute function private.record_mission_status_change();
create trigger missions_status_history_update
  after update of status on public.missions
  for each row when (old.status is distinct from new.status)
  execute function private.record_mission_status_change();
