-- Down file of supabase/migrations/20261208110000_revoked_invitation_account_removal_queue.sql: returns the database to
-- the state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: revoke_invitation and its comment exactly as they were (its "see above" is that migration's
-- header), then the queue. Accounts still queued keep their ban: lift it with Supabase Auth's admin update
-- (ban_duration "none") for any that is to stay.

drop function public.invited_accounts_to_remove();

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
  -- The account first (see above); an unknown id locks nothing, and the
  -- checks below answer as before.
  select u.last_sign_in_at into v_last_sign_in_at
    from auth.users u
   where u.id = (select i.user_id from public.member_invitations i where i.id = p_invitation_id)
     for share of u;
  v_invitation := private.pending_invitation_for_update(p_invitation_id);

  -- The guard trigger decides as for any removal (only an owner removes an
  -- owner); the invitation goes with the membership (foreign key cascade).
  delete from public.memberships m where m.id = v_invitation.membership_id and m.org_id = v_invitation.org_id;

  v_removable := v_invitation.account_created
    and v_last_sign_in_at is null
    and not exists (select 1 from public.memberships m where m.user_id = v_invitation.user_id);

  return pg_catalog.jsonb_build_object(
    'invitation_id', v_invitation.id, 'org_id', v_invitation.org_id, 'email', v_invitation.email,
    'user_id', v_invitation.user_id, 'account_removable', v_removable);
end;
$$;

comment on function public.revoke_invitation(uuid) is 'RPC (owner, admin; live session): withdraws a pending invitation by removing its membership (only an owner revokes an owner''s invitation). invitation_not_pending (409) once the person has joined: remove the member instead. Reports account_removable: the invitation created the account, which has never signed in and belongs to no organization now (decided with the account row locked); the invite-member function then deletes it.';

drop table private.invited_account_removals;
