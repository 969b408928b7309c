-- API keys: the secret is returned once and only its sha256
-- is stored; authenticate_api_key accepts a live key and refuses a wrong,
-- revoked, expired or rotated-out one; rotation keeps the old key for its
-- grace period; only owners/admins of the key's organization manage keys;
-- every change is audited and notifies the owners/admins.
begin;
select plan(72);

-- -----------------------------------------------------------------------------
-- Helpers (identities come from tests.as_user / tests.as_anon / tests.as_service).
-- -----------------------------------------------------------------------------
-- Keys created by the tests, by label.
create temporary table t_keys (label text primary key, id uuid, prefix text, secret text) on commit drop;
create function pg_temp.keep(p_label text, p_key jsonb) returns jsonb language sql as $$
  insert into t_keys values (p_label, (p_key ->> 'id')::uuid, p_key ->> 'prefix', p_key ->> 'secret') returning p_key
$$;
create function pg_temp.secret(p_label text) returns text language sql as $$ select secret from t_keys where label = p_label $$;
create function pg_temp.id(p_label text) returns uuid language sql as $$ select id from t_keys where label = p_label $$;
create function pg_temp.authn(p_label text) returns bigint language sql as $$
  select count(*) from private.authenticate_api_key(pg_temp.secret(p_label))
$$;

-- Org A (Chaleur Express): …01 owner, …02 dispatcher, …03 technician, …05 accountant, …06 client.
-- Org B (Plomberie du Rhône): b…01 owner.
delete from public.notifications;

-- -----------------------------------------------------------------------------
-- Creation
-- -----------------------------------------------------------------------------
select lives_ok(
  $$select pg_temp.keep('main', tests.as_user('a0000000-0000-4000-8000-000000000001',
      $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'Capteurs chaufferie', '{missions:read,events:write,events:write}')$q$))$$,
  'the owner creates a key');
select matches(pg_temp.secret('main'), '^trn_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$', 'the secret is trn_<8 base32>_<43 base64url>');
select is((select prefix from t_keys where label = 'main'), left(pg_temp.secret('main'), 12), 'the prefix is the secret''s first 12 characters');
select is((select secret_hash from public.api_keys where id = pg_temp.id('main')),
          encode(extensions.digest(pg_temp.secret('main'), 'sha256'), 'hex'), 'the table keeps the sha256 of the secret');
select is((select count(*)::int from public.api_keys k where to_jsonb(k)::text like '%' || substr(pg_temp.secret('main'), 14) || '%'), 0,
  'the secret is stored nowhere in the table');
select is((select count(*)::int from audit.log l where l.table_name = 'public.api_keys'
             and l::text like '%' || substr(pg_temp.secret('main'), 14) || '%'), 0, 'nor in the audit trail');
select results_eq($$select scopes, name, created_by::text, expires_at > now() + interval '364 days' and expires_at <= now() + interval '1 year'
                    from public.api_keys where id = pg_temp.id('main')$$,
  $$values ('{events:write,missions:read}'::text[], 'Capteurs chaufferie', 'a0000000-0000-4000-8000-000000000001', true)$$,
  'scopes are deduplicated and sorted; created_by is the caller; expiry defaults to one year');
select results_eq($$select action, diff ->> 'secret_hash', diff ->> 'prefix', actor_user_id::text from audit.log
                    where table_name = 'public.api_keys' and row_id = pg_temp.id('main')::text$$,
  $$values ('api_key_created', '[redacted]', (select prefix from t_keys where label = 'main'), 'a0000000-0000-4000-8000-000000000001')$$,
  'creation writes one audit row api_key_created (hash redacted, actor recorded)');
select results_eq($$select user_id::text, channel, type, delivery_status from public.notifications
                    where entity_table = 'public.api_keys' and entity_id = pg_temp.id('main') order by 1, 2$$,
  $$values ('a0000000-0000-4000-8000-000000000001', 'email', 'security.api_key_created', 'pending'),
           ('a0000000-0000-4000-8000-000000000001', 'in_app', 'security.api_key_created', 'sent')$$,
  'the owners/admins of the organization (only them) get a security alert, in app and by email');
select ok((select body from public.notifications where entity_id = pg_temp.id('main') and channel = 'in_app')
          like '%Capteurs chaufferie%admin@chaleur-express.test%', 'the alert names the key and who created it');

-- Validation
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'x', '{events:write,admin:all}')$q$)$$,
  '22023', 'Unknown API key scope: admin:all (allowed: events:write, missions:read, invoices:read)', 'an unknown scope is refused');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'x', '{}')$q$)$$,
  '22023', 'An API key needs at least one scope (allowed: events:write, missions:read, invoices:read)', 'a key needs a scope');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', '  ', '{events:write}')$q$)$$,
  '22023', 'An API key name is 1 to 100 characters', 'a key needs a name');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'x', '{events:write}', now() - interval '1 minute')$q$)$$,
  '22023', null, 'an expiry in the past is refused');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'x', '{events:write}', now() + interval '2 years 1 day')$q$)$$,
  '22023', null, 'an expiry more than 2 years ahead is refused');
select lives_ok($$select pg_temp.keep('two-years', tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'Long', '{invoices:read}', now() + interval '2 years')$q$))$$,
  'exactly 2 years is accepted');
select throws_ok($$insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, expires_at)
  values ('a0000000-0000-4000-8000-0000000000a0', 'x', 'trn_aaaaaaaa', repeat('0', 64), '{events:write}', now() + interval '3 years')$$,
  '23514', null, 'the table itself refuses an expiry beyond 2 years');
select throws_ok($$insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, expires_at)
  values ('a0000000-0000-4000-8000-0000000000a0', 'x', 'trn_aaaaaaaa', repeat('0', 64), '{root}', now() + interval '1 day')$$,
  '23514', null, 'the table itself refuses an unknown scope');

-- -----------------------------------------------------------------------------
-- Authentication
-- -----------------------------------------------------------------------------
select results_eq($$select key_id, org_id, scopes from private.authenticate_api_key(pg_temp.secret('main'))$$,
  $$select pg_temp.id('main'), 'a0000000-0000-4000-8000-0000000000a0'::uuid, '{events:write,missions:read}'::text[]$$,
  'the right secret authenticates: key id, organization, scopes');
select is(current_setting('terrain.api_key_id', true), pg_temp.id('main')::text,
  'and marks the transaction as acting with that key (audit actor_api_key_id)');
select isnt((select last_used_at from public.api_keys where id = pg_temp.id('main')), null, 'last_used_at is recorded');
update public.api_keys set last_used_at = now() - interval '30 seconds' where id = pg_temp.id('main');
select is(pg_temp.authn('main'), 1::bigint, 'authenticating again within the minute…');
select is((select last_used_at from public.api_keys where id = pg_temp.id('main')), now() - interval '30 seconds',
  '…does not rewrite last_used_at (at most one write a minute per key)');
update public.api_keys set last_used_at = now() - interval '61 seconds' where id = pg_temp.id('main');
select is(pg_temp.authn('main'), 1::bigint, 'a minute later…');
select is((select last_used_at from public.api_keys where id = pg_temp.id('main')), now(), '…last_used_at moves');
select is((select count(*)::int from audit.log where table_name = 'public.api_keys' and row_id = pg_temp.id('main')::text), 1,
  'usage is not audited (last_used_at is ignored by the trail)');
select is((select count(*) from private.authenticate_api_key(
            left(pg_temp.secret('main'), 55) || case when right(pg_temp.secret('main'), 1) = 'A' then 'B' else 'A' end)), 0::bigint,
  'a wrong secret with a valid prefix is refused');
select is((select count(*) from private.authenticate_api_key('trn_zzzzzzzz_' || substr(pg_temp.secret('main'), 14))), 0::bigint,
  'an unknown prefix is refused');
select is((select count(*) from private.authenticate_api_key(pg_temp.secret('main') || 'x')), 0::bigint, 'a malformed secret is refused');
select is((select count(*) from private.authenticate_api_key(null)), 0::bigint, 'null is refused');
select is((select count(*) from private.authenticate_api_key((select prefix from t_keys where label = 'main'))), 0::bigint,
  'the prefix alone is refused');
select ok(has_function_privilege('service_role', 'private.authenticate_api_key(text)', 'execute')
          and not has_function_privilege('authenticated', 'private.authenticate_api_key(text)', 'execute')
          and not has_function_privilege('anon', 'private.authenticate_api_key(text)', 'execute'),
  'authenticate_api_key is for the service role (edge functions), not for API users');

-- Expired
update public.api_keys set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where id = pg_temp.id('two-years');
select is(pg_temp.authn('two-years'), 0::bigint, 'an expired key is refused');

-- -----------------------------------------------------------------------------
-- Revocation
-- -----------------------------------------------------------------------------
select lives_ok($$select pg_temp.keep('revoked', tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'To revoke', '{events:write}')$q$))$$, 'a key to revoke');
select is(pg_temp.authn('revoked'), 1::bigint, 'it authenticates before revocation');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', format('select public.revoke_api_key(%L) -> ''status''', pg_temp.id('revoked'))),
  '"revoked"'::jsonb, 'the owner revokes it');
select is(pg_temp.authn('revoked'), 0::bigint, 'a revoked key is refused');
select results_eq($$select revoked_by::text from public.api_keys where id = pg_temp.id('revoked')$$,
  $$values ('a0000000-0000-4000-8000-000000000001')$$, 'revoked_by is the caller');
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', format('select public.revoke_api_key(%L) -> ''status''', pg_temp.id('revoked'))),
  '"revoked"'::jsonb, 'revoking again is a no-op…');
select results_eq($$select action from audit.log where table_name = 'public.api_keys' and row_id = pg_temp.id('revoked')::text order by id$$,
  $$values ('api_key_created'), ('api_key_revoked')$$, '…audited once: api_key_created then api_key_revoked');
select results_eq($$select type from public.notifications where entity_id = pg_temp.id('revoked') and channel = 'in_app' order by created_at, type$$,
  $$values ('security.api_key_created'), ('security.api_key_revoked')$$, 'the owners/admins are alerted of the revocation');

-- -----------------------------------------------------------------------------
-- Rotation
-- -----------------------------------------------------------------------------
select lives_ok($$select pg_temp.keep('old', tests.as_user('a0000000-0000-4000-8000-000000000001',
  $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'Partner', '{events:write}', now() + interval '90 days')$q$))$$,
  'a key to rotate');
select lives_ok($$select pg_temp.keep('new', tests.as_user('a0000000-0000-4000-8000-000000000001',
  format('select public.rotate_api_key(%L, %L)', pg_temp.id('old'), '2 hours')))$$, 'the owner rotates it (2 hours of grace)');
select results_eq($$select name, scopes, rotated_from, expires_at - created_at from public.api_keys where id = pg_temp.id('new')$$,
  $$values ('Partner', '{events:write}'::text[], pg_temp.id('old'), interval '90 days')$$,
  'the new key has the same name, scopes and lifetime, and points to the old one');
select is((select grace_until from public.api_keys where id = pg_temp.id('old')), now() + interval '2 hours', 'the old key works for 2 more hours');
select is(pg_temp.authn('old') + pg_temp.authn('new'), 2::bigint, 'during the grace period both keys authenticate');
select results_eq($$select prefix, status from public.list_api_keys('a0000000-0000-4000-8000-0000000000a0') where id in (pg_temp.id('old'), pg_temp.id('new')) order by status$$,
  $$values ((select prefix from t_keys where label = 'new'), 'active'), ((select prefix from t_keys where label = 'old'), 'rotating')$$,
  'list_api_keys shows the new key active and the old one rotating');
select results_eq($$select action, coalesce(reason like 'api_key_rotated: %', false) from audit.log
                    where table_name = 'public.api_keys' and row_id in (pg_temp.id('old')::text, pg_temp.id('new')::text) order by id$$,
  $$values ('api_key_created', false), ('api_key_created', true), ('update', true)$$,
  'rotation is audited: the new key''s creation and the old key''s grace, both with reason api_key_rotated');
update public.api_keys set grace_until = now() - interval '1 second' where id = pg_temp.id('old');
select is(pg_temp.authn('old'), 0::bigint, 'after the grace period the old key is refused');
select is(pg_temp.authn('new'), 1::bigint, 'the new key keeps working');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001', format('select public.rotate_api_key(%L)', pg_temp.id('old')))$$,
  'P0001', format('API key %s is rotated and cannot be rotated', (select prefix from t_keys where label = 'old')), 'a rotated key cannot be rotated again');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001', format('select public.rotate_api_key(%L)', pg_temp.id('revoked')))$$,
  'P0001', format('API key %s is revoked and cannot be rotated', (select prefix from t_keys where label = 'revoked')), 'a revoked key cannot be rotated');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001', format('select public.rotate_api_key(%L, %L)', pg_temp.id('new'), '8 days'))$$,
  '22023', 'A rotation grace period is between 0 and 7 days (got 8 days)', 'the grace period is at most 7 days');

-- -----------------------------------------------------------------------------
-- Who may manage keys: owners/admins of the key's organization (42501 otherwise)
-- -----------------------------------------------------------------------------
select throws_ok(format($$select tests.as_user(%L, $q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'x', '{events:write}')$q$)$$, u),
  '42501', 'Only an owner or admin of the organization can manage its API keys', format('%s cannot create a key', who))
  from (values ('a0000000-0000-4000-8000-000000000002', 'the dispatcher'), ('a0000000-0000-4000-8000-000000000003', 'a technician'),
               ('a0000000-0000-4000-8000-000000000005', 'the accountant'), ('a0000000-0000-4000-8000-000000000006', 'a client user'),
               ('b0000000-0000-4000-8000-000000000001', 'the owner of another organization')) as v (u, who);
select throws_ok(format($$select tests.as_user(%L, $q$select count(*) from public.list_api_keys('a0000000-0000-4000-8000-0000000000a0')$q$)$$, u),
  '42501', 'Only an owner or admin of the organization can manage its API keys', format('%s cannot list the keys', who))
  from (values ('a0000000-0000-4000-8000-000000000003', 'a technician'), ('b0000000-0000-4000-8000-000000000001', 'the owner of another organization')) as v (u, who);
select throws_ok(format($$select tests.as_user(%L, %L)$$, u, format('select public.revoke_api_key(%L)', pg_temp.id('main'))),
  '42501', format('API key %s not found in an organization you administer', pg_temp.id('main')), format('%s cannot revoke a key', who))
  from (values ('a0000000-0000-4000-8000-000000000003', 'a technician'), ('b0000000-0000-4000-8000-000000000001', 'the owner of another organization')) as v (u, who);
select throws_ok(format($$select tests.as_user('b0000000-0000-4000-8000-000000000001', %L)$$, format('select public.rotate_api_key(%L)', pg_temp.id('main'))),
  '42501', format('API key %s not found in an organization you administer', pg_temp.id('main')), 'another organization''s owner cannot rotate a key');
select throws_ok($$select tests.as_user('b0000000-0000-4000-8000-000000000001', 'select public.revoke_api_key(''00000000-0000-4000-8000-000000000000'')')$$,
  '42501', 'API key 00000000-0000-4000-8000-000000000000 not found in an organization you administer',
  'an unknown key id gets the same answer (ids cannot be probed)');
select throws_ok($$select tests.as_anon($q$select public.create_api_key('a0000000-0000-4000-8000-0000000000a0', 'x', '{events:write}')$q$)$$,
  '42501', 'permission denied for function create_api_key', 'anon cannot call the API key functions');
select is(pg_temp.authn('main'), 1::bigint, 'none of those refused calls touched the key');

-- -----------------------------------------------------------------------------
-- Direct table access: owners/admins read metadata, never the hash; no writes
-- -----------------------------------------------------------------------------
select is(tests.as_user('a0000000-0000-4000-8000-000000000001', 'select count(*) from (select id, prefix from public.api_keys) k'),
  (select count(*) from public.api_keys where org_id = 'a0000000-0000-4000-8000-0000000000a0')::text::jsonb,
  'the owner reads the metadata of every key of the organization');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select count(secret_hash) from public.api_keys')$$,
  '42501', 'permission denied for table api_keys', 'nobody reads secret_hash through the API');
select is(tests.as_user('a0000000-0000-4000-8000-000000000002', 'select count(*) from (select id from public.api_keys) k'), '0'::jsonb,
  'the dispatcher reads no key');
select is(tests.as_user('b0000000-0000-4000-8000-000000000001', 'select count(*) from (select id from public.api_keys where org_id = ''a0000000-0000-4000-8000-0000000000a0'') k'),
  '0'::jsonb, 'another organization''s owner reads none of them');
select throws_ok(format($$select tests.as_user('a0000000-0000-4000-8000-000000000001', %L)$$,
  format('with u as (update public.api_keys set revoked_at = null where id = %L returning 1) select count(*) from u', pg_temp.id('revoked'))),
  '42501', 'permission denied for table api_keys', 'no direct update (un-revoking is impossible)');
select results_eq($$select role || ':' || operation || ':' || scope from private.permission_matrix where table_name = 'public.api_keys' order by 1$$,
  $$values ('admin:select:org'), ('owner:select:org')$$, 'matrix: owner/admin select their organization''s keys; writes only through the RPCs');

select * from finish();
rollback;
