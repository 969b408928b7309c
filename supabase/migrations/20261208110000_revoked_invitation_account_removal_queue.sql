-- =============================================================================
-- Revoking an invitation that created the account closes that account in the
-- revoke's own transaction, whoever calls revoke_invitation.
--
-- Before, revoke_invitation only reported account_removable and the
-- invite-member function deleted the account through Supabase Auth after the
-- commit. Two holes: a sign-in landing between the commit and the deletion
-- got a session for an account with no membership; and the RPC called
-- straight through PostgREST (it is granted to authenticated) revoked the
-- invitation and left the account for good.
--
-- Why a queue rather than taking the RPC away from the API roles: who may
-- revoke is decided by SQL on the caller's own token (owner or admin, live
-- session, only an owner revokes an owner's invitation), and the audit log
-- records that caller. A service-role-only RPC would need the function to
-- tell SQL who the caller is, moving the rule out of the database. Instead
-- the revoke itself does everything SQL can do, atomically:
--   * bans the account (auth.users.banned_until, the column Supabase Auth's
--     admin ban_duration writes and every Auth sign-in and token refresh
--     checks: user_banned). 876000 hours, the "forever" Supabase documents,
--     rather than 'infinity', which Auth's Go time type cannot read;
--   * queues the account in private.invited_account_removals.
-- Deleting an Auth account stays an Auth operation (its admin API, with the
-- service role): the invite-member function deletes it right after the
-- revoke, and its sweep (invite-member/remove-revoked-accounts, service role,
-- on a schedule) deletes what is still queued: a revoke made through the RPC
-- directly, or a deletion that failed. The queue row goes with the account
-- (foreign key cascade), so the queue is exactly "banned, still to delete".
--
-- The account row is now locked for no key update (it is updated), which
-- still orders a sign-in in flight (Auth updates last_sign_in_at) and the
-- revoke one after the other, as before.
-- =============================================================================

create table private.invited_account_removals (
  user_id uuid primary key references auth.users (id) on delete cascade,
  org_id uuid not null,
  email text not null,
  queued_at timestamptz not null default now()
);

comment on table private.invited_account_removals is
  'Accounts banned by revoke_invitation (the revoked invitation created them; never signed in; member nowhere), waiting for Supabase Auth''s admin delete (invite-member). A row leaves with its account. Listed to the service role by public.invited_accounts_to_remove().';
comment on column private.invited_account_removals.org_id is 'The organization whose invitation was revoked (for the logs; no foreign key: the account is removed even if the organization goes first).';
comment on column private.invited_account_removals.email is 'The invited address, copied when queued.';

-- Closed to the API roles: only the definer functions below read and write it.
revoke all on table private.invited_account_removals from public, anon, authenticated, service_role;

create or replace function public.revoke_invitation(p_invitation_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_invitation public.member_invitations;
  v_last_sign_in_at timestamptz;
  v_removable boolean;
begin
  -- The account first, locked for the ban below (see the migration's header);
  -- an unknown id locks nothing, and the checks below answer as before.
  select u.last_sign_in_at into v_last_sign_in_at
    from auth.users u
   where u.id = (select i.user_id from public.member_invitations i where i.id = p_invitation_id)
     for no key update of u;
  v_invitation := private.pending_invitation_for_update(p_invitation_id);

  -- The guard trigger decides as for any removal (only an owner removes an
  -- owner); the invitation goes with the membership (foreign key cascade).
  delete from public.memberships m where m.id = v_invitation.membership_id and m.org_id = v_invitation.org_id;

  v_removable := v_invitation.account_created
    and v_last_sign_in_at is null
    and not exists (select 1 from public.memberships m where m.user_id = v_invitation.user_id);

  if v_removable then
    update auth.users u
       set banned_until = pg_catalog.now() + interval '876000 hours', updated_at = pg_catalog.now()
     where u.id = v_invitation.user_id;
    insert into private.invited_account_removals (user_id, org_id, email)
    values (v_invitation.user_id, v_invitation.org_id, v_invitation.email)
    on conflict (user_id) do nothing;
  end if;

  return pg_catalog.jsonb_build_object(
    'invitation_id', v_invitation.id, 'org_id', v_invitation.org_id, 'email', v_invitation.email,
    'user_id', v_invitation.user_id, 'account_removable', v_removable);
end;
$$;

comment on function public.revoke_invitation(uuid) is 'RPC (owner, admin; live session): withdraws a pending invitation by removing its membership (only an owner revokes an owner''s invitation). invitation_not_pending (409) once the person has joined: remove the member instead. When the invitation created the account, which has never signed in and belongs to no organization now (decided with the account row locked), bans it and queues it for removal in the same transaction and reports account_removable; the invite-member function then deletes it through Supabase Auth.';

create function public.invited_accounts_to_remove()
returns table (user_id uuid, email text, org_id uuid, queued_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select r.user_id, r.email, r.org_id, r.queued_at
    from private.invited_account_removals r
   order by r.queued_at, r.user_id
$$;

comment on function public.invited_accounts_to_remove() is 'Service role only (the invite-member function''s sweep): the accounts revoke_invitation banned and queued, oldest first, to delete through Supabase Auth''s admin API.';
revoke all on function public.invited_accounts_to_remove() from public, anon, authenticated;
grant execute on function public.invited_accounts_to_remove() to service_role;
