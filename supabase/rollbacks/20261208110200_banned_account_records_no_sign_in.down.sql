-- Down file of supabase/migrations/20261208110200_banned_account_records_no_sign_in.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).

drop trigger on_auth_user_banned_refuse_sign_in on auth.users;
drop function private.refuse_sign_in_of_banned_account();
