-- =============================================================================
-- Idempotent writes for offline clients (DESIGN.md invariant 9).
--
-- A technician's phone queues actions while offline and replays them when it
-- reconnects; a replay can also happen because a response was lost on the way
-- back. Every function such a device calls takes a client-generated key and
-- records (org, key) → the result of the first successful call. A replay with
-- the same key and the same request returns exactly that stored result and
-- changes nothing; the same key with another request is refused, because the
-- client is then confused and must not be told "done".
--
-- Contract shared by every API function (missions, timesheets, stock):
--   v_result := private.idempotency_lookup(org, key, 'operation', request);
--   if v_result is not null then return v_result; end if;   -- replay
--   ... do the work ...
--   perform private.idempotency_store(org, key, 'operation', request, v_result);
-- all in the caller's transaction. A call that fails stores nothing (its
-- transaction rolls back), so the client may retry it.
--
-- Concurrency: idempotency_lookup takes a transaction-level advisory lock on
-- (org, key) that is held until commit or rollback. Two first calls with the
-- same key arriving together are serialized: the second waits, then (READ
-- COMMITTED takes a new snapshot per statement) finds the first one's row and
-- returns its result. Under REPEATABLE READ or SERIALIZABLE the second one's
-- snapshot may predate that row: it then does its work and fails on the
-- primary key in idempotency_store, so its work rolls back — never applied twice.
-- =============================================================================

create table public.idempotency_keys (
  org_id       uuid not null references public.organizations (id) on delete cascade,
  -- Client-generated (a UUID in practice); scoped to one organization.
  key          text not null,
  -- Who made the first call: another user presenting the same key is refused.
  user_id      uuid references auth.users (id) on delete set null,
  -- Which function the key was used with, e.g. 'transition_mission'.
  operation    text not null,
  -- sha256 (hex) of the request's canonical jsonb text: a different payload is detected
  -- without storing the payload (notes can be 10,000 characters).
  request_hash text not null,
  -- What the first call returned; replays return it verbatim.
  result       jsonb not null,
  created_at   timestamptz not null default now(),
  constraint idempotency_keys_pkey primary key (org_id, key),
  constraint idempotency_keys_key_length check (length(key) between 8 and 200),
  constraint idempotency_keys_operation_format check (operation ~ '^[a-z][a-z0-9_.]{0,62}$'),
  constraint idempotency_keys_request_hash_format check (request_hash ~ '^[0-9a-f]{64}$')
);
comment on table public.idempotency_keys is
  'Results of idempotent API calls by (org, client-generated key): a replay returns the stored result and changes nothing. '
  'Written and read only through private.idempotency_lookup / private.idempotency_store.';
comment on column public.idempotency_keys.request_hash is 'sha256 of the request jsonb (canonical text): the same key with another payload is refused.';
-- auth.users deletions set user_id to null: index the foreign key.
create index idempotency_keys_user_id_idx on public.idempotency_keys (user_id) where user_id is not null;
-- Retention purges by age.
create index idempotency_keys_created_at_idx on public.idempotency_keys (created_at);

-- Internal bookkeeping: no policy and no grant, ever. The API functions that use
-- it are SECURITY DEFINER; nothing else needs to read it.
alter table public.idempotency_keys enable row level security;

create function private.idempotency_request_hash(p_request jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  -- jsonb text is canonical (keys sorted, whitespace normalized), so equal
  -- requests hash equally whatever the client's key order.
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(coalesce(p_request, 'null'::jsonb)::text, 'UTF8')), 'hex')
$$;
comment on function private.idempotency_request_hash(jsonb) is 'sha256 (hex) of a request''s canonical jsonb text.';

create function private.idempotency_lock(p_org uuid, p_key text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  if p_org is null then
    raise exception 'An organization is required for an idempotency key' using errcode = '22004';
  end if;
  if p_key is null or length(p_key) not between 8 and 200 then
    raise exception 'Idempotency key must be 8 to 200 characters' using errcode = '22023';
  end if;
  -- Two-key form: the first key names this lock space, so it never shares a key
  -- with another feature's advisory locks. A hash collision between two keys only
  -- serializes two unrelated calls; it never merges them (the row lookup is exact).
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtext('terrain.idempotency_keys'),
    pg_catalog.hashtext(p_org::text || ':' || p_key));
end;
$$;
comment on function private.idempotency_lock(uuid, text) is
  'Validates an idempotency key (8..200 characters) and takes the transaction-level advisory lock on (org, key).';

-- lookup and store are SECURITY DEFINER so they work whatever the calling
-- function's owner may do on the deny-all table; no API role may execute them.
create function private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.idempotency_keys%rowtype;
begin
  perform private.idempotency_lock(p_org, p_key);
  select k.* into v_row from public.idempotency_keys k where k.org_id = p_org and k.key = p_key;
  if not found then
    return null;
  end if;
  if v_row.operation is distinct from p_operation
     or v_row.request_hash <> private.idempotency_request_hash(p_request)
     or v_row.user_id is distinct from auth.uid() then
    raise exception 'Idempotency key % was already used for a different request', p_key using errcode = 'P0001';
  end if;
  return v_row.result;
end;
$$;
comment on function private.idempotency_lookup(uuid, text, text, jsonb) is
  'Call first, in the API function''s transaction: null when the key is new (the advisory lock on (org, key) is then held '
  'until commit), the stored result when it is a replay of the same operation, request and user, and an error '
  '(P0001) when the key was used for anything else.';

create function private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- Re-entrant when lookup already took it; makes store safe on its own too.
  perform private.idempotency_lock(p_org, p_key);
  if p_result is null then
    raise exception 'An idempotent call must return a result' using errcode = '22004';
  end if;
  -- A plain insert, on purpose: a conflict means the caller did its work without
  -- seeing the first call's row, and must fail (rolling its work back) rather than
  -- report success for a second application.
  insert into public.idempotency_keys (org_id, key, user_id, operation, request_hash, result)
  values (p_org, p_key, auth.uid(), p_operation, private.idempotency_request_hash(p_request), p_result);
end;
$$;
comment on function private.idempotency_store(uuid, text, text, jsonb, jsonb) is
  'Call last, in the API function''s transaction: records the result returned to replays of (org, key).';

-- Offline queues replay within days (Workbox keeps requests 7 days by default);
-- keys are kept 90 days, then purged daily. A replay older than that would be
-- treated as new — the functions' own state checks (a mission already in the
-- target status, a note id that exists) still stop it from doing harm.
create function private.purge_idempotency_keys(p_older_than interval default interval '90 days')
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_deleted bigint;
begin
  delete from public.idempotency_keys k where k.created_at < now() - p_older_than;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function private.purge_idempotency_keys(interval) is 'Deletes idempotency keys older than the retention (90 days by default); run daily by pg_cron.';

select cron.schedule('purge-idempotency-keys', '17 3 * * *', 'select private.purge_idempotency_keys()');
