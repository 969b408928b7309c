-- =============================================================================
-- No sign-in is recorded for a banned account. Supabase Auth checks the ban
-- when a sign-in starts, then records it (last_sign_in_at, a session) in a
-- later transaction. A sign-in that checked the account just before
-- revoke_invitation banned it would otherwise go on, once the revoke commits,
-- and leave a session for an account that has no membership and is about to
-- be deleted. This trigger refuses that write: the sign-in fails instead,
-- and the account stays "never signed in". A sign-in of an account that is
-- not banned is untouched.
--
-- Raised with insufficient_privilege: this is Supabase Auth's write, not an
-- API call, so it is no catalogued API error.
-- =============================================================================

create function private.refuse_sign_in_of_banned_account() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  raise exception using
    errcode = '42501',
    message = pg_catalog.format('%s is banned: no sign-in is recorded for a banned account', new.email);
end;
$$;

comment on function private.refuse_sign_in_of_banned_account() is 'Trigger on auth.users: refuses recording a sign-in (last_sign_in_at) of a banned account.';
revoke all on function private.refuse_sign_in_of_banned_account() from public;

create trigger on_auth_user_banned_refuse_sign_in
before update of last_sign_in_at on auth.users
for each row
when (new.banned_until > now() and new.last_sign_in_at is distinct from old.last_sign_in_at)
execute function private.refuse_sign_in_of_banned_account();
