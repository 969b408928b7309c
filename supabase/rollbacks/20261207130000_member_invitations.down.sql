-- Down file of supabase/migrations/20261207130000_member_invitations.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: the triggers it added to existing tables, their functions
-- and the rule they share, the permission matrix rows, then the table (its
-- rows go with it: a rollback that would drop rows refuses without --force).

drop trigger on_auth_user_signed_in_accept_invitations on auth.users;
drop trigger memberships_record_invitation on public.memberships;
drop function private.accept_member_invitations();
drop function private.record_member_invitation();
drop function private.is_invitation_of(uuid);
delete from private.permission_matrix where table_name = 'public.member_invitations';
drop table public.member_invitations;
