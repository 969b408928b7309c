-- Down file of supabase/migrations/20261208110100_no_membership_for_account_being_removed.sql: returns the database to
-- the state before that migration (docs/conventions.md § Reversible migrations).

drop trigger memberships_refuse_account_being_removed on public.memberships;
drop function private.refuse_membership_of_account_being_removed();
delete from private.api_errors where code = 'account_being_removed';
