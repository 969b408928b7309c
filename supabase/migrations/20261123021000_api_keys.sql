-- =============================================================================
-- API keys for external systems (partner software, connected equipment).
--
-- A key is `trn_<8 base32>_<43 base64url>`: the first 12 characters
-- (`trn_xxxxxxxx`, the prefix) identify the key and are shown in lists; the
-- rest is 256 bits from gen_random_bytes(32). The full secret is returned ONCE,
-- by create_api_key / rotate_api_key, and never stored: the table keeps its
-- SHA-256 (hex). A plain, unsalted hash is right here: the secret is 256
-- random bits, so there is nothing to brute-force and no dictionary, and a slow
-- hash (bcrypt) would cost every API request tens of milliseconds.
--
-- Lifecycle: active → (rotated: the old key keeps working until grace_until)
-- → expired / revoked. Expiry is mandatory, at most 2 years ahead. Creation,
-- rotation and revocation are audited (named actions, see below) and notify
-- the organization's owners and admins (security alert, in app + email).
--
-- Reading keys: owners/admins of the organization read their keys' metadata,
-- through list_api_keys() or directly (column grant: every column but
-- secret_hash). Nobody writes the table directly: the RPCs below do.
--
-- Authenticating: private.authenticate_api_key(secret) — for edge functions
-- (service_role / the database URL they are given). The rate limiter
-- (20261123022000) identifies keys with the side-effect-free
-- private.api_key_id_for_secret.
-- =============================================================================

-- The scopes a key may carry. Adding one = `create or replace` this function in
-- a new migration (and document it in docs/rate-limiting.md § API keys).
--   events:write   post external events (equipment faults, partner events)
--   missions:read  read the organization's missions
--   invoices:read  read the organization's invoices
create function private.api_key_allowed_scopes()
returns text[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select array['events:write', 'missions:read', 'invoices:read']::text[]
$$;
comment on function private.api_key_allowed_scopes() is 'The scopes an API key may carry (events:write, missions:read, invoices:read).';

create table public.api_keys (
  id           uuid primary key default gen_random_uuid(),
  org_id       uuid not null references public.organizations (id) on delete cascade,
  name         text not null,
  -- 'trn_' + 8 base32 characters: public, shown in lists and logs.
  prefix       text not null,
  -- sha256 (hex) of the full secret. Never the secret.
  secret_hash  text not null,
  scopes       text[] not null,
  created_by   uuid references auth.users (id) on delete set null,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  -- Written by authenticate_api_key at most once a minute per key.
  last_used_at timestamptz,
  revoked_at   timestamptz,
  revoked_by   uuid references auth.users (id) on delete set null,
  -- On the new key of a rotation: the key it replaces.
  rotated_from uuid,
  -- On the old key of a rotation: it keeps working until then.
  grace_until  timestamptz,
  constraint api_keys_prefix_key unique (prefix),
  constraint api_keys_org_id_id_key unique (org_id, id),
  constraint api_keys_rotated_from_fkey foreign key (org_id, rotated_from)
    references public.api_keys (org_id, id) on delete set null (rotated_from),
  constraint api_keys_name_length check (length(btrim(name)) between 1 and 100),
  constraint api_keys_prefix_format check (prefix ~ '^trn_[a-z2-7]{8}$'),
  constraint api_keys_secret_hash_format check (secret_hash ~ '^[0-9a-f]{64}$'),
  constraint api_keys_scopes_allowed check (
    cardinality(scopes) >= 1 and scopes <@ private.api_key_allowed_scopes() and array_position(scopes, null) is null),
  constraint api_keys_expiry_window check (expires_at > created_at and expires_at <= created_at + interval '2 years'),
  constraint api_keys_revoked_pair check (revoked_by is null or revoked_at is not null)
);
comment on table public.api_keys is
  'API keys of external systems: prefix (public) + sha256 of the secret (the secret is shown once, never stored), scopes, '
  'expiry (max 2 years), revocation, rotation with a grace period. Written only by create/rotate/revoke_api_key.';
comment on column public.api_keys.secret_hash is 'sha256 (hex) of the full secret. Not readable through the API (column grant).';
comment on column public.api_keys.grace_until is 'Set on the old key when it is rotated: it keeps authenticating until then.';

-- list_api_keys and the RLS filter: an organization's keys, newest first.
create index api_keys_org_id_created_at_idx on public.api_keys (org_id, created_at desc);
-- Foreign keys to auth.users (user deletion) and the rotation chain.
create index api_keys_created_by_idx on public.api_keys (created_by) where created_by is not null;
create index api_keys_revoked_by_idx on public.api_keys (revoked_by) where revoked_by is not null;
create index api_keys_rotated_from_idx on public.api_keys (org_id, rotated_from) where rotated_from is not null;

-- -----------------------------------------------------------------------------
-- RLS: owners and admins read their organizations' keys. No insert, update or
-- delete policy: writes go through the definer RPCs only.
-- -----------------------------------------------------------------------------
alter table public.api_keys enable row level security;
-- private.my_org_ids_as (engineer D1's RLS helpers) returns a small uuid[]:
-- `org_id = any (…)` is an index condition on api_keys_org_id_created_at_idx.
create policy api_keys_select_admins on public.api_keys
  for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));

-- Every column but secret_hash: `select=*` is refused (42501), name the columns or use list_api_keys().
grant select (id, org_id, name, prefix, scopes, created_by, created_at, expires_at, last_used_at,
              revoked_at, revoked_by, rotated_from, grace_until)
  on public.api_keys to authenticated, service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.api_keys', 'owner', 'select', 'org', 'Metadata of the organization''s keys; never secret_hash (column grant). Writes through create/rotate/revoke_api_key.'),
  ('public.api_keys', 'admin', 'select', 'org', 'Metadata of the organization''s keys; never secret_hash (column grant). Writes through create/rotate/revoke_api_key.');

-- Audit trail (engineer E's generic trigger, 20261123010000_audit_log.sql):
-- one audit.log row per insert/update; its audit.classify() names the actions
-- api_key_created (insert) and api_key_revoked (revoked_at set); a rotation is
-- the new key's insert plus the old key's grace_until update, both carrying
-- the reason 'api_key_rotated: …' (terrain.audit_reason, set below). The
-- secret hash is redacted and last_used_at ignored (audit.excluded_columns).
select audit.enable_for('public.api_keys');

-- -----------------------------------------------------------------------------
-- Helpers
-- -----------------------------------------------------------------------------

-- What a key is now: active, rotating (old key inside its grace period),
-- rotated (grace over), expired, revoked.
create function private.api_key_status(p_key public.api_keys)
returns text
language sql
stable
set search_path = ''
as $$
  select case
    when p_key.revoked_at is not null then 'revoked'
    when p_key.expires_at <= now() then 'expired'
    when p_key.grace_until is not null and p_key.grace_until <= now() then 'rotated'
    when p_key.grace_until is not null then 'rotating'
    else 'active'
  end
$$;
comment on function private.api_key_status(public.api_keys) is 'active | rotating (old key in its grace period) | rotated | expired | revoked.';

-- The shape of a secret: trn_ + 8 base32 + _ + 43 base64url.
create function private.api_key_secret_format_ok(p_secret text)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(p_secret ~ '^trn_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$', false)
$$;

-- A new secret: prefix 'trn_' + 8 base32 characters (40 random bits), then
-- '_' + 43 base64url characters (32 random bytes). Returns the prefix, the
-- secret and its hash; only the latter two leave this function's caller.
create function private.new_api_key_secret(out prefix text, out secret text, out secret_hash text)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_alphabet constant text := 'abcdefghijklmnopqrstuvwxyz234567';
  v_bytes bytea := extensions.gen_random_bytes(5);
  v_bits  bigint := 0;
begin
  for v_i in 0 .. 4 loop
    v_bits := (v_bits << 8) | get_byte(v_bytes, v_i);
  end loop;
  prefix := 'trn_';
  for v_i in reverse 7 .. 0 loop
    prefix := prefix || substr(v_alphabet, ((v_bits >> (5 * v_i)) & 31)::integer + 1, 1);
  end loop;
  -- base64 of 32 bytes is 44 characters with one '=': base64url without padding is 43.
  secret := prefix || '_' || translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
  secret_hash := encode(extensions.digest(secret, 'sha256'), 'hex');
end;
$$;

-- The id of the key a secret belongs to when it authenticates now (not
-- revoked, not expired, not past its rotation grace), else null. No side
-- effect (usable in read-only transactions). Constant work: one hash and one
-- lookup by the unique prefix whatever the input, so neither the timing nor
-- the answer tells a wrong secret from an unknown prefix.
create function private.api_key_id_for_secret(p_secret text)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ok     boolean := private.api_key_secret_format_ok(p_secret);
  v_hash   text := encode(extensions.digest(coalesce(p_secret, ''), 'sha256'), 'hex');
  v_prefix text := case when v_ok then left(p_secret, 12) else 'trn_########' end;
  v_key    public.api_keys%rowtype;
begin
  select k.* into v_key from public.api_keys k where k.prefix = v_prefix;
  if v_key.id is null or not v_ok or v_key.secret_hash <> v_hash
     or v_key.revoked_at is not null
     or v_key.expires_at <= now()
     or (v_key.grace_until is not null and v_key.grace_until <= now()) then
    return null;
  end if;
  return v_key.id;
end;
$$;
comment on function private.api_key_id_for_secret(text) is
  'The id of the API key a secret authenticates as now, else null. Side-effect free (rate-limit keying); use authenticate_api_key to authenticate.';

-- Raises unless the caller may manage the organization's keys: an owner or
-- admin of it, or the system actor (service_role, maintenance).
create function private.authorize_api_key_admin(p_org_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if private.is_system_actor() then
    return;
  end if;
  if p_org_id is null or not private.has_role_in(p_org_id, '{owner,admin}') then
    raise exception 'Only an owner or admin of the organization can manage its API keys' using errcode = '42501';
  end if;
end;
$$;

-- The key, locked, when the caller may manage it. Another organization's key
-- and a key that does not exist get the same answer: ids cannot be probed.
create function private.api_key_for_admin(p_key_id uuid)
returns public.api_keys
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys%rowtype;
begin
  select k.* into v_key from public.api_keys k where k.id = p_key_id for update;
  if v_key.id is null or not (private.is_system_actor() or private.has_role_in(v_key.org_id, '{owner,admin}')) then
    raise exception 'API key % not found in an organization you administer', p_key_id using errcode = '42501';
  end if;
  return v_key;
end;
$$;

-- Scopes: known, at least one, deduplicated and sorted.
create function private.normalize_api_key_scopes(p_scopes text[])
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_bad text;
begin
  if p_scopes is null or cardinality(p_scopes) = 0 then
    raise exception 'An API key needs at least one scope (allowed: %)',
      array_to_string(private.api_key_allowed_scopes(), ', ') using errcode = '22023';
  end if;
  select s into v_bad from unnest(p_scopes) as s
  where s is null or not (s = any (private.api_key_allowed_scopes())) limit 1;
  if found then
    raise exception 'Unknown API key scope: % (allowed: %)',
      coalesce(v_bad, 'null'), array_to_string(private.api_key_allowed_scopes(), ', ') using errcode = '22023';
  end if;
  return array(select distinct s from unnest(p_scopes) as s order by s);
end;
$$;

-- The reason recorded by the audit trigger for the writes that follow
-- (terrain.audit_reason, local to the transaction); null clears it so later
-- writes of the same transaction do not inherit it.
create function private.set_audit_reason(p_reason text)
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.set_config('terrain.audit_reason', coalesce(p_reason, ''), true)
$$;

-- The security alert to the organization's owners and admins.
create function private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor text;
begin
  select coalesce(u.email::text, u.id::text) into v_actor from auth.users u where u.id = auth.uid();
  perform private.notify_roles(
    p_key.org_id,
    '{owner,admin}',
    'security.api_key_' || p_event,
    format('API key %s %s', p_key.prefix, p_event),
    format('API key "%s" (%s) %s by %s. %s', p_key.name, p_key.prefix, p_event, coalesce(v_actor, 'the system'), coalesce(p_detail, '')),
    'public.api_keys',
    p_key.id,
    format('api_key_%s:%s', p_event, p_key.id)
  );
end;
$$;

-- -----------------------------------------------------------------------------
-- RPC
-- -----------------------------------------------------------------------------

-- Creates a key. Returns its id, prefix and the secret — the only time the
-- secret exists outside the caller. Expiry: default 1 year, at most 2 years.
create function public.create_api_key(
  p_org_id     uuid,
  p_name       text,
  p_scopes     text[],
  p_expires_at timestamptz default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_scopes  text[];
  v_expires timestamptz := coalesce(p_expires_at, now() + interval '1 year');
  v_new     record;
  v_key     public.api_keys%rowtype;
begin
  perform private.authorize_api_key_admin(p_org_id);
  if p_name is null or length(btrim(p_name)) not between 1 and 100 then
    raise exception 'An API key name is 1 to 100 characters' using errcode = '22023';
  end if;
  v_scopes := private.normalize_api_key_scopes(p_scopes);
  if v_expires <= now() or v_expires > now() + interval '2 years' then
    raise exception 'An API key must expire in the future and within 2 years (got %)', v_expires using errcode = '22023';
  end if;

  -- 40 random bits of prefix: a collision is unlikely but possible; draw again.
  for i in 1 .. 5 loop
    v_new := private.new_api_key_secret();
    begin
      insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, created_by, expires_at)
      values (p_org_id, btrim(p_name), v_new.prefix, v_new.secret_hash, v_scopes, auth.uid(), v_expires)
      returning * into v_key;
      exit;
    exception when unique_violation then
      if i = 5 then raise; end if;
    end;
  end loop;

  perform private.notify_api_key_event(v_key, 'created',
    format('Scopes: %s. Expires %s.', array_to_string(v_key.scopes, ', '), to_char(v_key.expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));

  return jsonb_build_object(
    'id', v_key.id, 'org_id', v_key.org_id, 'name', v_key.name, 'prefix', v_key.prefix,
    'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'secret', v_new.secret);
end;
$$;
comment on function public.create_api_key(uuid, text, text[], timestamptz) is
  'RPC (owner, admin): creates an API key and returns {id, prefix, secret, …}. The secret is shown once and only its sha256 is kept. '
  'Expiry defaults to 1 year, at most 2 years. Audited (api_key.created); notifies owners and admins.';

-- The organization's keys, newest first: metadata and status, never the hash.
create function public.list_api_keys(p_org_id uuid)
returns table (
  id           uuid,
  name         text,
  prefix       text,
  scopes       text[],
  status       text,
  created_at   timestamptz,
  created_by   uuid,
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  grace_until  timestamptz,
  rotated_from uuid
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.authorize_api_key_admin(p_org_id);
  return query
    select k.id, k.name, k.prefix, k.scopes, private.api_key_status(k), k.created_at, k.created_by,
           k.last_used_at, k.expires_at, k.revoked_at, k.grace_until, k.rotated_from
    from public.api_keys k
    where k.org_id = p_org_id
    order by k.created_at desc, k.id;
end;
$$;
comment on function public.list_api_keys(uuid) is
  'RPC (owner, admin): the organization''s API keys (prefix, name, scopes, status, created, last used, expiry), never the hash.';

-- Revokes a key now. Revoking a revoked key changes nothing and returns it.
create function public.revoke_api_key(p_key_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key public.api_keys%rowtype := private.api_key_for_admin(p_key_id);
begin
  if v_key.revoked_at is null then
    update public.api_keys k set revoked_at = now(), revoked_by = auth.uid()
    where k.id = v_key.id
    returning * into v_key;
    perform private.notify_api_key_event(v_key, 'revoked', 'It no longer authenticates.');
  end if;
  return jsonb_build_object('id', v_key.id, 'prefix', v_key.prefix, 'status', private.api_key_status(v_key),
                            'revoked_at', v_key.revoked_at);
end;
$$;
comment on function public.revoke_api_key(uuid) is
  'RPC (owner, admin): revokes an API key immediately (idempotent). Audited (api_key.revoked); notifies owners and admins.';

-- Rotation: a new key with the same name, scopes and lifetime; the old key
-- keeps authenticating for p_grace (default 24 hours, at most 7 days, 0 to end
-- it now) so the new secret can be rolled out without downtime.
create function public.rotate_api_key(p_key_id uuid, p_grace interval default interval '24 hours')
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_old     public.api_keys%rowtype := private.api_key_for_admin(p_key_id);
  v_grace   interval := coalesce(p_grace, interval '24 hours');
  v_status  text := private.api_key_status(v_old);
  v_new     record;
  v_key     public.api_keys%rowtype;
  v_expires timestamptz;
begin
  if v_grace < interval '0' or v_grace > interval '7 days' then
    raise exception 'A rotation grace period is between 0 and 7 days (got %)', v_grace using errcode = '22023';
  end if;
  if v_status <> 'active' then
    raise exception 'API key % is % and cannot be rotated', v_old.prefix, v_status using errcode = 'P0001';
  end if;
  -- The new key lives as long as the old one was meant to (at most 2 years).
  v_expires := now() + least(v_old.expires_at - v_old.created_at, interval '2 years');

  for i in 1 .. 5 loop
    v_new := private.new_api_key_secret();
    begin
      perform private.set_audit_reason(format('api_key_rotated: %s replaced by %s, old key valid until %s',
        v_old.prefix, v_new.prefix, least(now() + v_grace, v_old.expires_at)));
      insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, created_by, expires_at, rotated_from)
      values (v_old.org_id, v_old.name, v_new.prefix, v_new.secret_hash, v_old.scopes, auth.uid(), v_expires, v_old.id)
      returning * into v_key;
      exit;
    exception when unique_violation then
      if i = 5 then raise; end if;
    end;
  end loop;
  update public.api_keys k set grace_until = least(now() + v_grace, k.expires_at)
  where k.id = v_old.id
  returning * into v_old;
  perform private.set_audit_reason(null);

  perform private.notify_api_key_event(v_old, 'rotated',
    format('New key %s; the old key works until %s.', v_key.prefix,
           to_char(v_old.grace_until at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));

  return jsonb_build_object(
    'id', v_key.id, 'org_id', v_key.org_id, 'name', v_key.name, 'prefix', v_key.prefix,
    'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'secret', v_new.secret,
    'rotated_from', jsonb_build_object('id', v_old.id, 'prefix', v_old.prefix, 'grace_until', v_old.grace_until));
end;
$$;
comment on function public.rotate_api_key(uuid, interval) is
  'RPC (owner, admin): replaces an active key by a new one (returned once, same name/scopes/lifetime); the old key keeps working '
  'for the grace period (default 24 hours, max 7 days). Audited (api_key.rotated); notifies owners and admins.';

-- Authenticates a secret: the key id, its organization and scopes, or no row
-- (unknown, wrong secret, revoked, expired, past its rotation grace: the
-- caller cannot tell which). Records last_used_at at most once a minute per
-- key, without waiting on a concurrent request that is recording it, and
-- sets terrain.api_key_id for the rest of the transaction (the audit trail's
-- actor_api_key_id).
create function private.authenticate_api_key(p_secret text)
returns table (key_id uuid, org_id uuid, scopes text[])
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid := private.api_key_id_for_secret(p_secret);
begin
  if v_id is null then
    return;
  end if;
  -- Writes later in this transaction are audited as made with this key.
  perform pg_catalog.set_config('terrain.api_key_id', v_id::text, true);
  update public.api_keys k set last_used_at = now()
  where k.id = (
    select k2.id from public.api_keys k2
    where k2.id = v_id and (k2.last_used_at is null or k2.last_used_at < now() - interval '1 minute')
    for update skip locked
  );
  return query select k.id, k.org_id, k.scopes from public.api_keys k where k.id = v_id;
end;
$$;
comment on function private.authenticate_api_key(text) is
  'Authenticates an API key secret: (key_id, org_id, scopes), or no row when it is unknown, wrong, revoked, expired or past its '
  'rotation grace. Updates last_used_at at most once a minute; sets terrain.api_key_id. For edge functions (service_role).';

-- Grants. public RPCs: signed-in users (the functions check the role) and the
-- service role; never anon. private helpers: only what callers need.
revoke all on function public.create_api_key(uuid, text, text[], timestamptz) from public, anon;
revoke all on function public.list_api_keys(uuid) from public, anon;
revoke all on function public.revoke_api_key(uuid) from public, anon;
revoke all on function public.rotate_api_key(uuid, interval) from public, anon;
grant execute on function public.create_api_key(uuid, text, text[], timestamptz) to authenticated, service_role;
grant execute on function public.list_api_keys(uuid) to authenticated, service_role;
grant execute on function public.revoke_api_key(uuid) to authenticated, service_role;
grant execute on function public.rotate_api_key(uuid, interval) to authenticated, service_role;
grant execute on function private.authenticate_api_key(text) to service_role;
