-- =============================================================================
-- Audit trail (DESIGN.md invariant 8; issue 4 item 6): schema `audit`, the
-- append-only table audit.log, the generic trigger audit.record_change() and
-- audit.enable_for(regclass), which later migrations (this range and the API
-- key / notification migrations after it) call to audit a table.
--
-- What one row says: which organization, when (clock time of the write), who
-- (auth.uid(), the API key in terrain.api_key_id, the database role), what
-- (action, schema-qualified table, row id), the field-level diff, why
-- (terrain.audit_reason, or a reason the caller passes), and which request
-- (x-request-id header through PostgREST, or terrain.request_id) and which
-- transaction (txid) did it.
--
-- Diff shapes:
--   insert  {"col": value, …}                 the new row (every column)
--   delete  {"col": value, …}                 the old row
--   update  {"col": {"old": …, "new": …}, …}  ONLY the columns that changed;
--                                             an UPDATE that changes nothing
--                                             (after the exclusions below) writes no row.
-- Columns listed in audit.excluded_columns are either redacted ("[redacted]":
-- secrets; the row still says the column was set or changed) or ignored
-- (bookkeeping and values a trigger derives from another audited table).
--
-- Append-only, for everyone:
--   * no API role has any privilege on schema audit or on audit.log; UPDATE,
--     DELETE and TRUNCATE are revoked from every role, the owner included;
--   * BEFORE UPDATE/DELETE (row) and BEFORE TRUNCATE (statement) triggers raise
--     `audit.log is append-only` (P0001) whoever asks, the owner and superusers
--     included. They are ENABLE ALWAYS, so `session_replication_role = replica`
--     does not silence them either.
--   What remains: a superuser (or the table owner) can still ALTER TABLE …
--   DISABLE TRIGGER, or DROP the table. Those are DDL acts, visible in the
--   server log (log_statement = 'ddl') and in the migration history; nothing
--   inside the database can stop its own superuser. Ship audit rows off the
--   server (logical replication, backups) if that threat matters.
--
-- Retention: audit rows are kept. Accounting documents and their supporting
-- records are kept 10 years in France (C. com. L123-22; invoices and what
-- changed them), so there is no purge job, on purpose. The table is indexed
-- by organization first; if it grows large, partition it by occurred_at range
-- (detach and archive old partitions, never delete them).
--
-- Not exposed through PostgREST (the API serves schema public only): admins
-- read the log through public.audit_log_page / public.audit_log_csv (a later
-- migration of this range), which check the caller's role themselves.
-- =============================================================================

create schema audit;
comment on schema audit is
  'Audit trail: append-only audit.log written by triggers on every business table. Not exposed by PostgREST; '
  'read through public.audit_log_page and public.audit_log_csv (owners and admins of the organization).';
revoke all on schema audit from public;
revoke all on schema audit from anon, authenticated, service_role;

create table audit.log (
  id               bigint generated always as identity primary key,
  -- No foreign key: the trail outlives the organization (and must not block
  -- or cascade from its deletion). Null for rows about org-less data
  -- (profiles, the mission transition graph).
  org_id           uuid,
  -- Clock time of the write (not the transaction start): rows of a long
  -- transaction keep their real order in time.
  occurred_at      timestamptz not null default clock_timestamp(),
  -- auth.uid() of the signed-in user; null for the system actor (pg_cron,
  -- service_role edge functions, maintenance as postgres). No foreign key:
  -- the record outlives the account.
  actor_user_id    uuid,
  -- The API key the request was made with (terrain.api_key_id), if any.
  actor_api_key_id uuid,
  -- The database role that executed the statement (what PostgREST set from
  -- the JWT role claim: anon, authenticated, service_role; postgres for
  -- migrations, seeds, pg_cron and psql).
  actor_role       text not null,
  action           text not null,
  -- Schema-qualified, e.g. 'public.timesheets'; 'audit.log' for exports.
  table_name       text not null,
  -- The primary key of the row, as text (uuid, bigint; a json object for a
  -- composite key). Null for actions that are not about one row (exports).
  row_id           text,
  diff             jsonb,
  reason           text,
  request_id       text,
  txid             bigint not null default txid_current(),
  -- Only SECURITY DEFINER audit functions write here; the checks stay cheap
  -- (a regular-expression CHECK cost ~25% of the insert when measured).
  constraint log_action_length check (length(action) between 1 and 63),
  constraint log_reason_length check (reason is null or length(reason) <= 2000),
  constraint log_request_id_length check (request_id is null or length(request_id) <= 128)
);
comment on table audit.log is
  'Append-only audit trail: who (user, API key, role), what (action, table, row, field-level diff), why (reason), '
  'when (clock time), which request and transaction. UPDATE, DELETE and TRUNCATE are refused for every role.';
comment on column audit.log.action is
  'insert | update | delete, or a named action: status_change, approval, invoice_issued, invoice_sent, '
  'lock_override, api_key_created, api_key_revoked, audit_export.';
comment on column audit.log.diff is
  'insert/delete: the row; update: {"col": {"old": …, "new": …}} for the changed columns only. '
  'Secrets are "[redacted]" (audit.excluded_columns).';

-- The admin screens, newest first (keyset on id desc), per organization:
-- everything; by table (also one row's history: table then row_id filter);
-- by actor; by time range. Every index costs each audited write (measured:
-- ~5 us per index per row), so there are no more than the reads need.
create index log_org_id_idx on audit.log (org_id, id desc);
create index log_org_table_idx on audit.log (org_id, table_name, id desc);
create index log_org_actor_idx on audit.log (org_id, actor_user_id, id desc) where actor_user_id is not null;
create index log_org_time_idx on audit.log (org_id, occurred_at desc, id desc);

-- Defence in depth: not exposed and not granted, and RLS on with no policy.
-- (The writers are SECURITY DEFINER functions owned by the table owner.)
alter table audit.log enable row level security;
revoke all on table audit.log from public, anon, authenticated, service_role;
revoke all on sequence audit.log_id_seq from public, anon, authenticated, service_role;

create function audit.refuse_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'audit.log is append-only'
    using errcode = 'P0001',
          detail = pg_catalog.format('%s on audit.log refused.', tg_op),
          hint = 'Audit rows are never changed nor removed; record a new row instead.';
end;
$$;
comment on function audit.refuse_change() is 'Trigger function: refuses UPDATE, DELETE and TRUNCATE on audit.log, for every role.';
revoke all on function audit.refuse_change() from public;

create trigger log_append_only
  before update or delete on audit.log
  for each row execute function audit.refuse_change();
create trigger log_no_truncate
  before truncate on audit.log
  for each statement execute function audit.refuse_change();
-- Fire even under session_replication_role = replica (a superuser setting
-- that otherwise skips ordinary triggers).
alter table audit.log enable always trigger log_append_only;
alter table audit.log enable always trigger log_no_truncate;
-- Even the owner keeps only INSERT and SELECT. A superuser ignores privileges
-- (the triggers above are what bind it); on a hosted Supabase project the
-- migration role postgres is the owner but not a superuser, so for it the
-- revoke holds too. Done after the triggers: creating them needs TRIGGER.
revoke update, delete, truncate, references, trigger on table audit.log from current_user;

-- -----------------------------------------------------------------------------
-- Configuration
-- -----------------------------------------------------------------------------

-- Columns never written in clear, or not at all. table_name '*' applies to
-- every table; a row for a specific table wins over '*'.
--   redact: the value is replaced by "[redacted]" (secrets: the row still
--           shows that the column was set or changed);
--   ignore: the column is left out (bookkeeping such as updated_at, and
--           values a trigger derives from another audited table, whose own
--           audit row records the change).
create table audit.excluded_columns (
  table_name  text not null check (table_name = '*' or table_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  column_name text not null,
  mode        text not null check (mode in ('redact', 'ignore')),
  why         text not null,
  constraint excluded_columns_pkey primary key (table_name, column_name)
);
comment on table audit.excluded_columns is
  'Columns the audit redacts (secrets) or ignores (bookkeeping, derived values). table_name ''*'' = every table. '
  'A migration adding a secret column adds its row here in the same migration.';
alter table audit.excluded_columns enable row level security;
revoke all on table audit.excluded_columns from public, anon, authenticated, service_role;

insert into audit.excluded_columns (table_name, column_name, mode, why) values
  ('*', 'updated_at', 'ignore', 'Bookkeeping: occurred_at is the time of the change.'),
  ('*', 'encrypted_password', 'redact', 'Secret (password hash).'),
  ('*', 'secret_hash', 'redact', 'Secret (API key hash): a hash of a secret is still material for an offline guess.'),
  ('*', 'token_hash', 'redact', 'Secret (token hash).'),
  ('*', 'refresh_token', 'redact', 'Secret.'),
  ('public.api_keys', 'secret_hash', 'redact', 'API key secret hash: never in the audit, even hashed.'),
  ('public.api_keys', 'last_used_at', 'ignore', 'Touched on every request made with the key: usage, not a change (one row per request otherwise).'),
  ('public.stock_items', 'on_hand', 'ignore', 'Derived from stock_movements by trigger; the movement is the audited row.'),
  ('public.stock_items', 'movement_count', 'ignore', 'Derived from stock_movements by trigger; the movement is the audited row.'),
  ('public.invoices', 'total_ht_cents', 'ignore', 'Derived from invoice_lines by trigger; the line change is the audited row.'),
  ('public.invoices', 'total_vat_cents', 'ignore', 'Derived from invoice_lines by trigger; the line change is the audited row.'),
  ('public.invoices', 'total_ttc_cents', 'ignore', 'Generated from the two totals above.'),
  ('public.quotes', 'total_ht_cents', 'ignore', 'Derived from quote_lines by trigger; the line change is the audited row.'),
  ('public.quotes', 'total_vat_cents', 'ignore', 'Derived from quote_lines by trigger; the line change is the audited row.'),
  ('public.quotes', 'total_ttc_cents', 'ignore', 'Generated from the two totals above.');

-- Tables of schema public that deliberately have no audit trigger. The pgTAP
-- suite fails for any other public table without one, so a new table is
-- either audited (audit.enable_for) or listed here with its reason.
create table audit.unaudited_tables (
  table_name text primary key check (table_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  why        text not null
);
comment on table audit.unaudited_tables is
  'Allowlist of public tables without an audit trigger, each with its reason (checked by the pgTAP suite).';
alter table audit.unaudited_tables enable row level security;
revoke all on table audit.unaudited_tables from public, anon, authenticated, service_role;

insert into audit.unaudited_tables (table_name, why) values
  ('public.idempotency_keys',
   'A cache of API results for offline replays, not business data: the change each key stands for is audited on its own table; '
   'every result (up to a whole timesheet or movement) would be stored twice; the daily 90-day purge would write one delete row per key.'),
  ('public.notifications',
   'Derived messages: the event that caused a notification (API key created, alert) is audited on its own table; delivery status '
   'updates (pending, sent, failed, retries) would flood the trail with one row per user, channel and attempt.');


-- -----------------------------------------------------------------------------
-- Writing
-- -----------------------------------------------------------------------------

-- The request id: PostgREST puts the HTTP headers in request.headers, a JSON
-- object with lower-case keys (the gateway always sets x-request-id); code
-- outside PostgREST may set terrain.request_id. Only a sane token is kept: it
-- is client-controlled and ends up in CSV files opened by spreadsheets (no
-- leading = + - @). Read with a regular expression rather than a JSON cast:
-- a malformed setting can then never make a business write fail, without an
-- EXCEPTION block (a subtransaction per audited row: bulk writes would
-- overflow the 64 cached subtransaction ids).
create function audit.current_request_id()
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_id text := pg_catalog.substring(pg_catalog.current_setting('request.headers', true),
                                    '"x-request-id"\s*:\s*"([^"\\]*)"');
begin
  v_id := coalesce(nullif(v_id, ''), nullif(pg_catalog.current_setting('terrain.request_id', true), ''));
  if v_id is null or v_id !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' then
    return null;
  end if;
  return v_id;
end;
$$;
comment on function audit.current_request_id() is
  'x-request-id from request.headers (PostgREST) or terrain.request_id; null unless it matches ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$.';
revoke all on function audit.current_request_id() from public;

-- One audit row, with the actor, reason and request taken from the session.
-- Every writer goes through here (the triggers, the lock override fold, exports).
create function audit.append(
  p_org_id     uuid,
  p_action     text,
  p_table_name text,
  p_row_id     text,
  p_diff       jsonb,
  p_reason     text default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_key text := nullif(pg_catalog.current_setting('terrain.api_key_id', true), '');
begin
  insert into audit.log (org_id, actor_user_id, actor_api_key_id, actor_role, action, table_name, row_id, diff, reason, request_id)
  values (
    p_org_id,
    auth.uid(),
    case when v_key ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_key::uuid end,
    -- The role set by SET ROLE (PostgREST: the JWT role), else the session
    -- user. A SECURITY DEFINER function does not change this setting.
    coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user::text),
    p_action,
    p_table_name,
    p_row_id,
    p_diff,
    left(coalesce(
      nullif(btrim(p_reason), ''),
      nullif(btrim(pg_catalog.current_setting('terrain.audit_reason', true)), ''),
      -- public.transition_mission's reason for unblocking / cancelling.
      nullif(btrim(pg_catalog.current_setting('terrain.transition_reason', true)), '')), 2000),
    audit.current_request_id());
end;
$$;
comment on function audit.append(uuid, text, text, text, jsonb, text) is
  'Writes one audit row; actor (auth.uid(), terrain.api_key_id, role), reason (argument, else terrain.audit_reason, '
  'else terrain.transition_reason) and request id come from the session.';
revoke all on function audit.append(uuid, text, text, text, jsonb, text) from public;

-- Helpers called once per audited row are PL/pgSQL, not SQL: a SQL function
-- with a SET clause is never inlined and is planned again at every call from
-- a trigger (measured: ~150 us per call here, against ~5 us for PL/pgSQL,
-- whose plans are cached for the session).

-- The audit.excluded_columns of a table ('*' rows included; the table's own
-- row for a column wins over the '*' row).
create function audit.columns_with_mode(p_table_name text, p_mode text)
returns text[]
language plpgsql
stable
set search_path = ''
as $$
begin
  return (
    select coalesce(pg_catalog.array_agg(c.column_name order by c.column_name), '{}')
    from (
      select distinct on (e.column_name) e.column_name, e.mode
      from audit.excluded_columns e
      where e.table_name in (p_table_name, '*')
      order by e.column_name, e.table_name = '*'
    ) c
    where c.mode = p_mode);
end;
$$;
revoke all on function audit.columns_with_mode(text, text) from public;

-- Field-level diff of two row images (to_jsonb of the row). p_old null:
-- insert (the new row); p_new null: delete (the old row); both: update, the
-- changed columns only, {"col": {"old": …, "new": …}}; '{}' when nothing
-- changed. Ignored columns left out, redacted ones "[redacted]".
create function audit.diff(p_old jsonb, p_new jsonb, p_ignore text[], p_redact text[])
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_old jsonb := p_old - p_ignore;
  v_new jsonb := p_new - p_ignore;
  v_diff jsonb;
  v_col text;
begin
  if p_old is null or p_new is null then
    v_diff := coalesce(v_new, v_old);
    foreach v_col in array p_redact loop
      if v_diff -> v_col is not null and v_diff -> v_col <> 'null'::jsonb then
        v_diff := pg_catalog.jsonb_set(v_diff, array[v_col], '"[redacted]"'::jsonb);
      end if;
    end loop;
    return v_diff;
  end if;
  if v_new = v_old then
    return '{}'::jsonb; -- the common no-op: nothing but ignored columns changed
  end if;
  select pg_catalog.jsonb_object_agg(n.key,
           case when n.key = any (p_redact) then '{"old": "[redacted]", "new": "[redacted]"}'::jsonb
                else pg_catalog.jsonb_build_object('old', coalesce(v_old -> n.key, 'null'::jsonb), 'new', n.value) end)
  into v_diff
  from pg_catalog.jsonb_each(v_new) n
  where n.value is distinct from v_old -> n.key;
  return coalesce(v_diff, '{}'::jsonb);
end;
$$;
comment on function audit.diff(jsonb, jsonb, text[], text[]) is
  'Field-level diff: insert/delete the row image, update {"col": {"old", "new"}} of the changed columns only; '
  'ignored columns left out, redacted ones "[redacted]".';
revoke all on function audit.diff(jsonb, jsonb, text[], text[]) from public;

-- The row id from the primary key columns: the value as text for a
-- one-column key, a json object for a composite one.
create function audit.row_id(p_row jsonb, p_key_columns text[])
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_key jsonb := '{}'::jsonb;
  v_col text;
begin
  if pg_catalog.cardinality(p_key_columns) = 1 then
    return p_row ->> p_key_columns[pg_catalog.array_lower(p_key_columns, 1)];
  end if;
  foreach v_col in array p_key_columns loop
    v_key := v_key || pg_catalog.jsonb_build_object(v_col, p_row -> v_col);
  end loop;
  return v_key::text;
end;
$$;
revoke all on function audit.row_id(jsonb, text[]) from public;

-- The organization a row belongs to: its org_id, or its id for organizations.
create function audit.row_org_id(p_table_name text, p_row jsonb)
returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_table_name = 'public.organizations' then
    return (p_row ->> 'id')::uuid;
  end if;
  return (p_row ->> 'org_id')::uuid;
end;
$$;
revoke all on function audit.row_org_id(text, jsonb) from public;


-- The diff of a table's row images with that table's current configuration
-- (for callers that are not the trigger: the lock override fold).
create function audit.row_diff(p_table_name text, p_old jsonb, p_new jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  return audit.diff(p_old, p_new, audit.columns_with_mode(p_table_name, 'ignore'),
                    audit.columns_with_mode(p_table_name, 'redact'));
end;
$$;
revoke all on function audit.row_diff(text, jsonb, jsonb) from public;

-- -----------------------------------------------------------------------------
-- The generic trigger (AFTER INSERT OR UPDATE OR DELETE, FOR EACH ROW).
-- SECURITY DEFINER: it writes audit.log whoever changes the business row.
-- Arguments, set by audit.enable_for (text[] literals): the primary key
-- columns, the ignored columns, the redacted columns. The configuration is
-- baked into the trigger so a row costs no lookup; changing
-- audit.excluded_columns re-creates the triggers (audit.refresh_triggers).
--
-- Lock overrides: an UPDATE made in the terrain.system_context 'lock_override'
-- (public.override_timesheet_lock) is not written here but by the
-- public.lock_overrides row that records the override with its reason
-- (audit.record_lock_override): one audit row per override, carrying both the
-- field diff and the reason. audit.check_lock_override_recorded, deferred to
-- commit, writes the row itself if no lock_overrides row followed, so such an
-- update is never left unaudited.
-- -----------------------------------------------------------------------------
create function audit.record_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table text := tg_table_schema || '.' || tg_table_name;
  v_keys text[] := tg_argv[0]::text[];
  v_row jsonb;
  v_diff jsonb;
  v_action text;
begin
  -- The action, row id and organization are computed inline rather than by
  -- helper functions: this runs once per audited row, and each PL/pgSQL call
  -- measured ~20 us on the development machine (audit.diff stays a function:
  -- the lock override fold shares it).
  if tg_op = 'UPDATE' then
    if pg_catalog.current_setting('terrain.system_context', true) = 'lock_override' then
      return null;
    end if;
    v_row := pg_catalog.to_jsonb(new);
    v_diff := audit.diff(pg_catalog.to_jsonb(old), v_row, tg_argv[1]::text[], tg_argv[2]::text[]);
    if v_diff = '{}'::jsonb then
      return null; -- nothing that matters changed (only updated_at, a derived value, or nothing at all)
    end if;
    -- Named actions, recognised from the diff where it is obvious; the most
    -- specific wins. Issuing an invoice assigns its number (draft → issued);
    -- sending records sent_at (issued → sent).
    v_action := case
      when v_table = 'public.invoices' and v_diff #> '{number,old}' = 'null'::jsonb then 'invoice_issued'
      when v_table = 'public.invoices' and v_diff #> '{sent_at,old}' = 'null'::jsonb then 'invoice_sent'
      when v_table = 'public.api_keys' and v_diff #> '{revoked_at,old}' = 'null'::jsonb then 'api_key_revoked'
      when v_diff #> '{approved_at,old}' = 'null'::jsonb and v_diff #> '{approved_at,new}' <> 'null'::jsonb then 'approval'
      when v_diff ? 'status' then 'status_change'
      else 'update'
    end;
  elsif tg_op = 'INSERT' then
    v_row := pg_catalog.to_jsonb(new);
    v_diff := audit.diff(null, v_row, tg_argv[1]::text[], tg_argv[2]::text[]);
    v_action := case when v_table = 'public.api_keys' then 'api_key_created' else 'insert' end;
  else
    v_row := pg_catalog.to_jsonb(old);
    v_diff := audit.diff(v_row, null, tg_argv[1]::text[], tg_argv[2]::text[]);
    v_action := 'delete';
  end if;
  perform audit.append(
    case when v_table = 'public.organizations' then (v_row ->> 'id')::uuid else (v_row ->> 'org_id')::uuid end,
    v_action,
    v_table,
    case when pg_catalog.cardinality(v_keys) = 1 then v_row ->> v_keys[pg_catalog.array_lower(v_keys, 1)]
         else audit.row_id(v_row, v_keys) end,
    v_diff);
  return null;
end;
$$;
comment on function audit.record_change() is
  'Generic audit trigger: one audit.log row per inserted, updated (changed columns only) or deleted row. '
  'Arguments: primary key, ignored and redacted columns (text[] literals). Attach with audit.enable_for(regclass).';
revoke all on function audit.record_change() from public;

-- A public.lock_overrides row (written by the override functions with the
-- reason, the row before and after) becomes ONE audit row about the
-- overridden row: action lock_override, its field diff, its reason.
create function audit.record_lock_override()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table text := 'public.' || new.table_name;
begin
  perform audit.append(new.org_id, 'lock_override', v_table, new.row_id::text,
                       audit.row_diff(v_table, new.before, new.after), new.reason);
  return null;
end;
$$;
comment on function audit.record_lock_override() is
  'AFTER INSERT on public.lock_overrides: one lock_override audit row on the overridden row, with the field diff '
  '(before → after) and the reason.';
revoke all on function audit.record_lock_override() from public;

-- Deferred to commit, for UPDATEs made in the lock_override context: when no
-- lock_override audit row exists for that row in this transaction (the code
-- that set the context wrote no lock_overrides row), write it now, with
-- terrain.audit_reason if one is set. A constraint trigger filtered by WHEN:
-- an ordinary UPDATE costs one current_setting() call.
create function audit.check_lock_override_recorded()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table text := tg_table_schema || '.' || tg_table_name;
  v_new jsonb := pg_catalog.to_jsonb(new);
  v_org uuid := audit.row_org_id(v_table, v_new);
  v_row_id text := audit.row_id(v_new, tg_argv[0]::text[]);
  v_diff jsonb;
begin
  -- Written in this transaction, so among the newest rows of the table: the
  -- (org_id, table_name, id desc) index finds it at once (= and IS NULL are
  -- indexable, IS NOT DISTINCT FROM is not).
  if v_org is not null and exists (
    select from audit.log l
    where l.org_id = v_org and l.table_name = v_table and l.row_id = v_row_id
      and l.txid = pg_catalog.txid_current() and l.action = 'lock_override'
  ) or v_org is null and exists (
    select from audit.log l
    where l.org_id is null and l.table_name = v_table and l.row_id = v_row_id
      and l.txid = pg_catalog.txid_current() and l.action = 'lock_override'
  ) then
    return null;
  end if;
  v_diff := audit.diff(pg_catalog.to_jsonb(old), v_new, tg_argv[1]::text[], tg_argv[2]::text[]);
  if v_diff <> '{}'::jsonb then
    perform audit.append(v_org, 'lock_override', v_table, v_row_id, v_diff);
  end if;
  return null;
end;
$$;
comment on function audit.check_lock_override_recorded() is
  'Deferred safety net: an UPDATE in the lock_override context without a lock_overrides row is audited at commit.';
revoke all on function audit.check_lock_override_recorded() from public;

-- -----------------------------------------------------------------------------
-- audit.enable_for(table, events): attaches the audit triggers, idempotently
-- (drops and recreates them: re-running it after a primary key or
-- configuration change, or with other events, is safe). The caller must own
-- the table (migrations do).
-- -----------------------------------------------------------------------------
create function audit.enable_for(p_table regclass, p_events text[] default array['insert', 'update', 'delete'])
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_name text;
  v_keys text[];
  v_args text;
  v_events text[];
begin
  select n.nspname || '.' || c.relname into v_name
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.oid = p_table and c.relkind in ('r', 'p');
  if v_name is null then
    raise exception '% is not a table', p_table using errcode = '42809';
  end if;
  select pg_catalog.array_agg(e order by e) into v_events
  from (select distinct lower(x) as e from pg_catalog.unnest(p_events) x) d;
  if v_events is null or not (v_events <@ array['delete', 'insert', 'update']) then
    raise exception 'Audit events must be a non-empty subset of insert, update, delete (got %)', p_events
      using errcode = '22023';
  end if;

  select pg_catalog.array_agg(a.attname::text order by k.ord) into v_keys
  from pg_catalog.pg_index i
  cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k (attnum, ord)
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
  where i.indrelid = p_table and i.indisprimary;
  if v_keys is null then
    raise exception 'Table % has no primary key: audit rows need a row id', p_table using errcode = '42P10';
  end if;
  v_args := pg_catalog.format('%L, %L, %L', v_keys::text,
                              audit.columns_with_mode(v_name, 'ignore')::text,
                              audit.columns_with_mode(v_name, 'redact')::text);

  -- Dropped only when present (a "does not exist, skipping" notice per table otherwise).
  if exists (select from pg_catalog.pg_trigger t where t.tgrelid = p_table and t.tgname = 'audit_record_change') then
    execute pg_catalog.format('drop trigger audit_record_change on %s', p_table);
  end if;
  execute pg_catalog.format(
    'create trigger audit_record_change after %s on %s for each row execute function audit.record_change(%s)',
    pg_catalog.array_to_string(v_events, ' or '), p_table, v_args);

  if exists (select from pg_catalog.pg_trigger t where t.tgrelid = p_table and t.tgname = 'audit_lock_override_check') then
    execute pg_catalog.format('drop trigger audit_lock_override_check on %s', p_table);
  end if;
  if 'update' = any (v_events) then
    execute pg_catalog.format(
      'create constraint trigger audit_lock_override_check after update on %s deferrable initially deferred '
      'for each row when (pg_catalog.current_setting(''terrain.system_context'', true) = ''lock_override'') '
      'execute function audit.check_lock_override_recorded(%s)',
      p_table, v_args);
  end if;
end;
$$;
comment on function audit.enable_for(regclass, text[]) is
  'Attaches the audit triggers to a table (idempotent): AFTER <events> FOR EACH ROW audit.record_change(<primary key>, '
  '<ignored>, <redacted>), and the deferred lock-override safety net when UPDATE is audited. Run by migrations (the table owner).';
revoke all on function audit.enable_for(regclass, text[]) from public;

-- Re-creates the audit triggers of every audited table with the current
-- configuration and the same events. Runs after any change to
-- audit.excluded_columns, so a newly listed secret column is redacted at once.
create function audit.refresh_triggers()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_trigger record;
begin
  for v_trigger in
    select t.tgrelid::regclass as tbl,
           array_remove(array[case when t.tgtype & 4 <> 0 then 'insert' end,
                               case when t.tgtype & 8 <> 0 then 'delete' end,
                               case when t.tgtype & 16 <> 0 then 'update' end], null) as events
    from pg_catalog.pg_trigger t
    where t.tgname = 'audit_record_change' and t.tgfoid = 'audit.record_change()'::pg_catalog.regprocedure
  loop
    perform audit.enable_for(v_trigger.tbl, v_trigger.events);
  end loop;
  return null;
end;
$$;
comment on function audit.refresh_triggers() is
  'After a change to audit.excluded_columns: re-creates every audit trigger with the new configuration.';
revoke all on function audit.refresh_triggers() from public;

create trigger excluded_columns_refresh
  after insert or update or delete or truncate on audit.excluded_columns
  for each statement execute function audit.refresh_triggers();
