-- Down file of supabase/migrations/20261207160100_revoke_invitation_reports_removable_account.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: revoke_invitation and its comment as they were.

create or replace function public.revoke_invitation(p_invitation_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_invitation public.member_invitations := private.pending_invitation_for_update(p_invitation_id);
begin
  -- The guard trigger decides as for any removal (only an owner removes an
  -- owner); the invitation goes with the membership (foreign key cascade).
  delete from public.memberships m where m.id = v_invitation.membership_id and m.org_id = v_invitation.org_id;
  return pg_catalog.jsonb_build_object(
    'invitation_id', v_invitation.id, 'org_id', v_invitation.org_id, 'email', v_invitation.email);
end;
$$;

comment on function public.revoke_invitation(uuid) is 'RPC (owner, admin; live session): withdraws a pending invitation by removing its membership (only an owner revokes an owner''s invitation). invitation_not_pending (409) once the person has joined: remove the member instead.';
