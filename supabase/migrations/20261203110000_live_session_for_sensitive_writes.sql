-- =============================================================================
-- Sensitive writes need a live session, not just an unexpired access token.
--
-- An access token is a signed JWT: PostgREST checks its signature and expiry,
-- nothing else. Signing out (POST /auth/v1/logout) deletes the auth.sessions
-- row, so the refresh token dies at once, but an access token already handed
-- out keeps working on /rest/v1 until its exp (one hour by default). Hosted
-- Supabase behaves the same way. For plain reads and routine writes that
-- window is accepted (README.md, "Security: signing out"); for the writes that
-- hand out or change power it is not:
--   * API keys: create, rotate, revoke (any write to public.api_keys);
--   * timesheet lock overrides (any insert into public.lock_overrides, the
--     record every override function writes);
--   * memberships: granting, changing or removing a role (the membership
--     ownership rules migration calls the helper from its guard trigger), and
--     public.transfer_ownership.
--
-- private.assert_live_session() checks that the token's session_id claim
-- names a row of auth.sessions that still exists, belongs to the token's
-- user (sub) and is not past not_after. It raises SQLSTATE 28000
-- (invalid_authorization_specification), which PostgREST 12 answers with
-- HTTP 403 and the message "Session has ended; sign in again".
--
-- Who is not checked, on purpose:
--   * callers without a user (auth.uid() is null): service_role (edge
--     functions), postgres (migrations, seeds, psql) and pg_cron;
--   * user tokens without a session_id claim. Supabase Auth puts session_id in
--     every access token it issues (the local stand-in in scripts/stack/auth
--     does too); a token without one can only have been minted by a holder of
--     the JWT secret, who can mint a service_role token just as well. GoTrue
--     itself accepts such tokens on /user and /logout for the same reason.
--
-- The lookup is by auth.sessions' primary key (id): one index probe; the
-- extra user_id and not_after conditions are checked on that one row.
-- =============================================================================

create function private.assert_live_session()
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_session_claim text := auth.jwt() ->> 'session_id';
  v_session uuid;
begin
  if v_user is null then
    return; -- the system actor or anon: no user session to check
  end if;
  if v_session_claim is null or v_session_claim in ('', '00000000-0000-0000-0000-000000000000') then
    return; -- a token minted with the JWT secret, not by the auth server (see above)
  end if;
  if v_session_claim !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception 'Session has ended; sign in again'
      using errcode = '28000', detail = 'The token''s session_id claim is not a UUID.';
  end if;
  v_session := v_session_claim::uuid;
  if not exists (
    select from auth.sessions s
    where s.id = v_session
      and s.user_id = v_user
      and (s.not_after is null or s.not_after > pg_catalog.now())
  ) then
    raise exception 'Session has ended; sign in again'
      using errcode = '28000',
            detail = 'The access token is still signed and unexpired, but its session was signed out or has expired.',
            hint = 'Sign in again to get a new access token.';
  end if;
end;
$$;
comment on function private.assert_live_session() is
  'Raises 28000 "Session has ended; sign in again" when the caller''s token names an auth.sessions row that is gone, '
  'belongs to another user or is past not_after. No-op for callers without a user (service_role, postgres, pg_cron) '
  'and for user tokens without a session_id claim. Called by the sensitive writes (API keys, lock overrides, memberships).';
-- Called only from SECURITY DEFINER functions and triggers, which run as the
-- owner: no API role needs to execute it.
revoke all on function private.assert_live_session() from public, anon, authenticated, service_role;

-- Statement-level guard: one check per statement, whatever the number of rows.
create function private.require_live_session()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.assert_live_session();
  return null;
end;
$$;
comment on function private.require_live_session() is
  'BEFORE … FOR EACH STATEMENT trigger: private.assert_live_session() before a sensitive table is written.';
revoke all on function private.require_live_session() from public, anon, authenticated, service_role;

-- create_api_key, rotate_api_key, revoke_api_key all write here; so would any
-- future key function. Usage bookkeeping (last_used_at) is written by the key
-- authentication path, which carries no user session and is not affected.
create trigger api_keys_require_live_session
  before insert or update or delete on public.api_keys
  for each statement execute function private.require_live_session();

-- Every lock override (override_timesheet_lock today) writes its record here,
-- in the same transaction as the change: refusing the record undoes both.
create trigger lock_overrides_require_live_session
  before insert on public.lock_overrides
  for each statement execute function private.require_live_session();
