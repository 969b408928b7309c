-- auth.uid(), auth.role(), auth.email() and auth.jwt() read the claims the
-- way Supabase defines them: from `request.jwt.claims` (what PostgREST 12
-- sets) and from the older per-claim `request.jwt.claim.<name>` settings.
begin;
select plan(16);

select has_schema('auth');
select has_table('auth', 'users', 'auth.users exists');
select columns_are('auth', 'users', array[
  'instance_id', 'id', 'aud', 'role', 'email', 'encrypted_password', 'email_confirmed_at',
  'invited_at', 'confirmation_token', 'confirmation_sent_at', 'recovery_token', 'recovery_sent_at',
  'email_change_token_new', 'email_change', 'email_change_sent_at', 'last_sign_in_at',
  'raw_app_meta_data', 'raw_user_meta_data', 'is_super_admin', 'created_at', 'updated_at',
  'phone', 'phone_confirmed_at', 'phone_change', 'phone_change_token', 'phone_change_sent_at',
  'confirmed_at', 'email_change_token_current', 'email_change_confirm_status', 'banned_until',
  'reauthentication_token', 'reauthentication_sent_at', 'is_sso_user', 'deleted_at', 'is_anonymous'
], 'auth.users has the columns Supabase apps use');

-- No claims at all: everything is null (an unauthenticated direct connection).
select is(auth.uid(), null, 'auth.uid() is null without claims');
select is(auth.jwt(), null, 'auth.jwt() is null without claims');

set local request.jwt.claims = '{"sub": "a0000000-0000-4000-8000-000000000003", "role": "authenticated", "email": "tech1@chaleur-express.test", "app_metadata": {"provider": "email"}}';
select is(auth.uid(), 'a0000000-0000-4000-8000-000000000003'::uuid, 'auth.uid() reads sub from request.jwt.claims');
select is(auth.role(), 'authenticated', 'auth.role() reads role from request.jwt.claims');
select is(auth.email(), 'tech1@chaleur-express.test', 'auth.email() reads email from request.jwt.claims');
select is(auth.jwt() -> 'app_metadata' ->> 'provider', 'email', 'auth.jwt() returns all claims as jsonb');
select is(pg_typeof(auth.uid())::text, 'uuid', 'auth.uid() returns uuid');

-- The per-claim setting wins over request.jwt.claims, as in Supabase's definition.
set local request.jwt.claim.sub = 'b0000000-0000-4000-8000-000000000001';
select is(auth.uid(), 'b0000000-0000-4000-8000-000000000001'::uuid, 'request.jwt.claim.sub takes precedence');
set local request.jwt.claim.sub = '';
select is(auth.uid(), 'a0000000-0000-4000-8000-000000000003'::uuid, 'an empty request.jwt.claim.sub falls back to request.jwt.claims');

-- The API roles can call them (policies do), but cannot read auth.users.
select ok(has_function_privilege('authenticated', 'auth.uid()', 'execute'), 'authenticated may call auth.uid()');
select ok(has_function_privilege('anon', 'auth.jwt()', 'execute'), 'anon may call auth.jwt()');
select is(has_table_privilege('authenticated', 'auth.users', 'select'), false, 'authenticated cannot read auth.users');
select is(has_table_privilege('anon', 'auth.users', 'select'), false, 'anon cannot read auth.users');

select * from finish();
rollback;
