-- =============================================================================
-- RLS audit tooling for DBAs (issue 4, item 4).
--
-- Schema `ops` holds operator tooling. PostgREST exposes `public` only, and
-- nothing here is granted to anon or authenticated: ops is for DBAs (postgres,
-- psql) and, for the read-only catalog views, for service_role (an operator
-- dashboard or a scheduled edge function).
--
--   ops.test_rls_as_role(role, user_id, query)  run one statement as an API role
--                                                and user; always rolled back
--   ops.rls_enabled_check                        RLS state of every table of the
--                                                exposed schemas and audit
--   ops.rls_policy_coverage                      per table × role × operation:
--                                                privilege vs. policy
-- =============================================================================

create schema if not exists ops;
comment on schema ops is
  'Operator tooling (RLS audit, database lint). Not exposed by PostgREST; not granted to anon/authenticated.';
revoke all on schema ops from public;
grant usage on schema ops to service_role;

-- -----------------------------------------------------------------------------
-- Names that do not depend on the caller's search_path: with an empty
-- search_path every non-catalog name comes out schema-qualified
-- ('public.missions', 'private.has_role_in(uuid,public.member_role[])'), so
-- the same object always has the same name in findings and allowlists.
-- -----------------------------------------------------------------------------
create function ops.rel_ident(p_oid oid)
returns text
language sql
stable
strict
set search_path = ''
as $$ select p_oid::pg_catalog.regclass::text $$;
comment on function ops.rel_ident(oid) is 'Schema-qualified name of a relation, independent of the caller''s search_path.';

create function ops.fn_ident(p_oid oid)
returns text
language sql
stable
strict
set search_path = ''
as $$ select p_oid::pg_catalog.regprocedure::text $$;
comment on function ops.fn_ident(oid) is
  'Schema-qualified signature of a function (argument types qualified too), independent of the caller''s search_path.';

-- Deparsed policy expressions with every function name schema-qualified.
create function ops.expr_text(p_expr pg_catalog.pg_node_tree, p_relid oid)
returns text
language sql
stable
set search_path = ''
as $$ select pg_catalog.pg_get_expr(p_expr, p_relid) $$;
comment on function ops.expr_text(pg_catalog.pg_node_tree, oid) is
  'pg_get_expr with an empty search_path: function names always come out schema-qualified (auth.uid(), private.fn()).';

-- -----------------------------------------------------------------------------
-- Which schema is what. Every lint rule and audit view scopes itself with this
-- one view, so a schema added later is covered without touching the rules:
--   system       Postgres' own (pg_catalog, information_schema, toast, temp)
--   platform     owned and migrated by Supabase, not by this project
--   extension    created by an extension (its objects are the extension's)
--   tooling      test helpers installed by the pgTAP suite (schema tests)
--   application  everything else: public, private, audit, ops, and any new one
-- exposed: served by PostgREST. `public` (supabase/config.toml [api] schemas,
-- scripts/stack/postgrest.ts db-schemas), plus any schema a migration adds to
-- authenticator's pgrst.db_schemas (PostgREST runs with db-config = true).
-- -----------------------------------------------------------------------------
create view ops.schema_scope
with (security_invoker = true)
as
with exposed as (
  select 'public'::text as name
  union
  select pg_catalog.btrim(s.name)
  from pg_catalog.pg_db_role_setting rs
  join pg_catalog.pg_roles r on r.oid = rs.setrole and r.rolname = 'authenticator'
  cross join lateral pg_catalog.unnest(rs.setconfig) as c (setting)
  cross join lateral pg_catalog.regexp_split_to_table(pg_catalog.substr(c.setting, 18), ',') as s (name)
  where c.setting like 'pgrst.db\_schemas=%'
)
select
  n.oid as schema_oid,
  n.nspname::text as schema_name,
  case
    when n.nspname in ('pg_catalog', 'information_schema')
      or n.nspname like 'pg\_toast%'
      or n.nspname like 'pg\_temp\_%' then 'system'
    when n.nspname in ('auth', 'storage', 'realtime', '_realtime', 'graphql', 'graphql_public', 'vault',
                       'pgsodium', 'pgsodium_masks', 'net', 'supabase_functions', 'supabase_migrations',
                       'pgbouncer', 'cron', 'extensions', '_analytics', 'pgtle') then 'platform'
    when exists (select from pg_catalog.pg_depend d
                 where d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                   and d.objid = n.oid and d.deptype = 'e') then 'extension'
    when n.nspname = 'tests' then 'tooling'
    else 'application'
  end as kind,
  exists (select from exposed e where e.name = n.nspname) as exposed
from pg_catalog.pg_namespace n;
comment on view ops.schema_scope is
  'Every schema with its kind (system, platform, extension, tooling, application) and whether PostgREST exposes it. '
  'Lint rules and RLS audit views scope themselves with it, so new schemas are covered automatically.';

-- -----------------------------------------------------------------------------
-- ops.sql_statement_count: how many statements a SQL text holds, skipping
-- string literals ('…', E'…' with backslash escapes), quoted identifiers,
-- dollar-quoted bodies and comments (-- and nested /* */). Used to refuse
-- several statements with a clear message before anything runs; Postgres
-- itself is the backstop (a cursor cannot be opened over several statements).
-- -----------------------------------------------------------------------------
create function ops.sql_statement_count(p_sql text)
returns integer
language plpgsql
immutable
strict
set search_path = ''
as $$
declare
  n        integer := pg_catalog.length(p_sql);
  i        integer := 1;
  j        integer;
  c        text;
  tag      text;
  depth    integer;
  escapes  boolean;
  pending  boolean := false;  -- a statement has started since the last ';'
  total    integer := 0;
begin
  while i <= n loop
    c := pg_catalog.substr(p_sql, i, 1);
    if c = '''' then
      escapes := i > 1 and pg_catalog.lower(pg_catalog.substr(p_sql, i - 1, 1)) = 'e'
                 and (i = 2 or pg_catalog.substr(p_sql, i - 2, 1) !~ '[[:alnum:]_$]');
      i := i + 1;
      while i <= n loop
        c := pg_catalog.substr(p_sql, i, 1);
        if escapes and c = '\' then
          i := i + 2;
        elsif c = '''' and pg_catalog.substr(p_sql, i + 1, 1) = '''' then
          i := i + 2;
        elsif c = '''' then
          exit;
        else
          i := i + 1;
        end if;
      end loop;
      i := i + 1;
      pending := true;
    elsif c = '"' then
      j := pg_catalog.strpos(pg_catalog.substr(p_sql, i + 1), '"');
      i := case when j = 0 then n + 1 else i + j + 1 end;
      pending := true;
    elsif c = '-' and pg_catalog.substr(p_sql, i + 1, 1) = '-' then
      j := pg_catalog.strpos(pg_catalog.substr(p_sql, i), pg_catalog.chr(10));
      i := case when j = 0 then n + 1 else i + j end;
    elsif c = '/' and pg_catalog.substr(p_sql, i + 1, 1) = '*' then
      depth := 1;
      i := i + 2;
      while i <= n and depth > 0 loop
        if pg_catalog.substr(p_sql, i, 2) = '/*' then
          depth := depth + 1;
          i := i + 2;
        elsif pg_catalog.substr(p_sql, i, 2) = '*/' then
          depth := depth - 1;
          i := i + 2;
        else
          i := i + 1;
        end if;
      end loop;
    elsif c = '$' and (i = 1 or pg_catalog.substr(p_sql, i - 1, 1) !~ '[[:alnum:]_$]')
          and pg_catalog.substr(p_sql, i) ~ '^\$([A-Za-z_][A-Za-z0-9_]*)?\$' then
      tag := pg_catalog.substring(pg_catalog.substr(p_sql, i), '^(\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)');
      j := pg_catalog.strpos(pg_catalog.substr(p_sql, i + pg_catalog.length(tag)), tag);
      i := case when j = 0 then n + 1 else i + pg_catalog.length(tag) + j - 1 + pg_catalog.length(tag) end;
      pending := true;
    elsif c = ';' then
      if pending then
        total := total + 1;
        pending := false;
      end if;
      i := i + 1;
    else
      if c !~ '\s' then
        pending := true;
      end if;
      i := i + 1;
    end if;
  end loop;
  if pending then
    total := total + 1;
  end if;
  return total;
end;
$$;
comment on function ops.sql_statement_count(text) is
  'Number of statements in a SQL text (quotes, dollar quotes and comments skipped; empty statements not counted).';

-- -----------------------------------------------------------------------------
-- ops.test_rls_as_role(p_role, p_user_id, p_query) returns setof jsonb
--
-- Runs ONE statement the way PostgREST would for that caller: role anon,
-- authenticated or service_role (set local role), request.jwt.claims with sub,
-- role, email (and aud, app_metadata) of the auth.users row, search_path
-- "public, extensions" (PostgREST's db-extra-search-path) and the role's own
-- statement_timeout (SET ROLE does not apply per-role settings; PostgREST's
-- login does). Each result row comes back as jsonb.
--
-- Everything happens inside a subtransaction that is ALWAYS rolled back: a
-- write the statement makes (INSERT/UPDATE/DELETE … RETURNING, an RPC that
-- writes) is visible to the statement itself and then undone, and the role,
-- claims and settings return to the caller's. Only non-transactional effects
-- escape (sequence values consumed). An error raised by the statement (e.g.
-- 42501 permission denied) propagates unchanged, so it can be asserted.
--
-- SECURITY INVOKER, deliberately:
--   * Postgres forbids SET ROLE inside a SECURITY DEFINER function;
--   * it runs arbitrary SQL: as a definer function it would run that SQL with
--     the owner's rights for anyone allowed to call it. As an invoker function
--     it can never do more than its caller, who must already be a member of the
--     API roles (postgres is, as on Supabase) — and a statement that escapes
--     the API role (RESET ROLE) gets back to the caller's own rights only.
-- Hence: revoked from public, granted to nobody; DBAs call it as postgres.
-- service_role could not use it anyway (it is not a member of anon or
-- authenticated) and must not be able to run arbitrary SQL.
--
-- Errors (SQLSTATE 22023 unless noted):
--   Role must be anon, authenticated or service_role (got …)
--   The query is empty
--   ops.test_rls_as_role runs exactly one statement (got N)         42601
--   An anon request carries no user: pass null as p_user_id
--   Role authenticated needs a user (p_user_id is null)
--   Unknown user …                                                   P0002
--   ops.test_rls_as_role needs one statement that returns rows (SELECT, or
--     INSERT/UPDATE/DELETE … RETURNING)                               42601
-- -----------------------------------------------------------------------------
create function ops.test_rls_as_role(p_role text, p_user_id uuid, p_query text)
returns setof jsonb
language plpgsql
volatile
security invoker
as $$
declare
  v_user    record;
  v_claims  jsonb;
  v_timeout text;
  v_rows    jsonb[] := '{}'::jsonb[];
  v_row     record;
  v_count   integer;
begin
  if p_role is null or p_role not in ('anon', 'authenticated', 'service_role') then
    raise exception 'Role must be anon, authenticated or service_role (got %)', coalesce(p_role, 'null')
      using errcode = '22023';
  end if;
  if p_query is null or pg_catalog.btrim(p_query) = '' then
    raise exception 'The query is empty' using errcode = '22023';
  end if;
  v_count := ops.sql_statement_count(p_query);
  if v_count <> 1 then
    raise exception 'ops.test_rls_as_role runs exactly one statement (got %)', v_count
      using errcode = '42601', hint = 'Call it once per statement.';
  end if;
  if p_role = 'anon' and p_user_id is not null then
    raise exception 'An anon request carries no user: pass null as p_user_id' using errcode = '22023';
  end if;
  if p_role = 'authenticated' and p_user_id is null then
    raise exception 'Role authenticated needs a user (p_user_id is null)' using errcode = '22023';
  end if;

  if p_user_id is not null then
    select u.id, u.email, u.raw_app_meta_data into v_user from auth.users u where u.id = p_user_id;
    if not found then
      raise exception 'Unknown user %', p_user_id using errcode = 'P0002';
    end if;
    v_claims := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'sub', v_user.id, 'role', p_role, 'email', v_user.email,
      'aud', case when p_role = 'authenticated' then 'authenticated' end,
      'app_metadata', v_user.raw_app_meta_data));
  else
    v_claims := pg_catalog.jsonb_build_object('role', p_role);
  end if;

  select pg_catalog.substr(c.setting, 19) into v_timeout
  from pg_catalog.pg_db_role_setting s
  join pg_catalog.pg_roles r on r.oid = s.setrole and r.rolname = p_role
  cross join lateral pg_catalog.unnest(s.setconfig) as c (setting)
  where s.setdatabase = 0 and c.setting like 'statement\_timeout=%';

  begin
    -- Every auth.* claim source is set: the legacy per-claim settings win
    -- over request.jwt.claims in auth.uid(), so a stale one must not leak in.
    perform pg_catalog.set_config('request.jwt.claims', v_claims::text, true);
    perform pg_catalog.set_config('request.jwt.claim', '', true);
    perform pg_catalog.set_config('request.jwt.claim.sub', '', true);
    perform pg_catalog.set_config('request.jwt.claim.role', '', true);
    perform pg_catalog.set_config('request.jwt.claim.email', '', true);
    perform pg_catalog.set_config('search_path', 'public, extensions', true);
    if v_timeout is not null then
      perform pg_catalog.set_config('statement_timeout', v_timeout, true);
    end if;
    perform pg_catalog.set_config('role', p_role, true);

    begin
      for v_row in execute p_query loop
        v_rows := pg_catalog.array_append(v_rows, pg_catalog.to_jsonb(v_row));
      end loop;
    exception when invalid_cursor_definition then
      -- "cannot open UPDATE query as cursor" / "cannot open multi-query plan as cursor":
      -- raised while opening the cursor, before the statement runs.
      raise exception 'ops.test_rls_as_role needs one statement that returns rows (SELECT, or INSERT/UPDATE/DELETE … RETURNING)'
        using errcode = '42601', detail = sqlerrm;
    end;

    -- Undo everything the statement did (and the role and claims above).
    raise exception using errcode = 'OPSRB', message = 'ops.test_rls_as_role: rollback';
  exception when sqlstate 'OPSRB' then
    null;
  end;

  return query select pg_catalog.unnest(v_rows);
end;
$$;
comment on function ops.test_rls_as_role(text, uuid, text) is
  'Runs one statement as anon, authenticated or service_role with the JWT claims of an auth user, inside a subtransaction '
  'that is always rolled back; returns the rows as jsonb. SECURITY INVOKER: for DBAs (postgres) only.';
revoke all on function ops.test_rls_as_role(text, uuid, text) from public;

-- -----------------------------------------------------------------------------
-- ops.rls_enabled_check: every table of the exposed schemas and of audit, and
-- every critical table even when it is missing.
--   finding: null when fine, else
--     'missing'                    a critical table does not exist
--     'RLS disabled'               the API roles' grants apply to every row
--     'no policy: API roles see nothing'  (deny-all; fine for a table only
--                                  functions touch, a bug for one the API reads)
-- -----------------------------------------------------------------------------
create view ops.rls_enabled_check
with (security_invoker = true)
as
with critical (table_name) as (
  values ('missions'), ('invoices'), ('quotes'), ('stock_items'), ('stock_movements'), ('timesheets'),
         ('notifications'), ('client_requests'), ('emergency_requests'), ('profiles'), ('maintenance_contracts')
), tables as (
  select s.schema_name, c.relname::text as table_name, c.relrowsecurity, c.relforcerowsecurity,
         (select count(*)::integer from pg_catalog.pg_policy p where p.polrelid = c.oid) as policies
  from pg_catalog.pg_class c
  join ops.schema_scope s on s.schema_oid = c.relnamespace
  where c.relkind in ('r', 'p') and (s.exposed or s.schema_name = 'audit')
)
select
  coalesce(t.schema_name, 'public') as schema_name,
  coalesce(t.table_name, k.table_name) as table_name,
  t.table_name is not null as table_exists,
  t.relrowsecurity as rls_enabled,
  t.relforcerowsecurity as rls_forced,
  coalesce(t.policies, 0) as policies,
  k.table_name is not null as critical,
  case
    when t.table_name is null then 'missing'
    when not t.relrowsecurity then 'RLS disabled'
    when t.policies = 0 then 'no policy: API roles see nothing'
  end as finding
from tables t
full join critical k on t.schema_name = 'public' and t.table_name = k.table_name
order by critical desc, schema_name, table_name;
comment on view ops.rls_enabled_check is
  'Every table of the exposed schemas and audit (plus every critical table, even missing): RLS enabled/forced, policy count, finding.';

-- -----------------------------------------------------------------------------
-- ops.rls_policy_coverage: one row per table × API role (anon, authenticated)
-- × operation (select, insert, update, delete), for the same tables.
--   has_privilege   the role holds the privilege (table-level or on any column)
--   policies        permissive policies that apply to the role (TO the role, a
--                   role it belongs to, or PUBLIC) for the operation (or ALL)
--   restrictive     restrictive policies that apply (they only narrow)
--   finding: null when consistent (privilege + policy, or neither), else
--     'RLS disabled: the privilege reaches every row'
--     'privilege without policy'         (granted, yet RLS denies every row:
--                                         a missing policy or a stray grant)
--     'policy without privilege (dead policy)'
--     'only restrictive policies: no row can pass'
--     'table has no policy'              (no privilege, no policy at all on the table)
-- service_role is not listed: it bypasses RLS.
-- -----------------------------------------------------------------------------
create view ops.rls_policy_coverage
with (security_invoker = true)
as
with tables as (
  select c.oid, s.schema_name, c.relname::text as table_name, c.relrowsecurity,
         exists (select from pg_catalog.pg_policy p where p.polrelid = c.oid) as table_has_policies
  from pg_catalog.pg_class c
  join ops.schema_scope s on s.schema_oid = c.relnamespace
  where c.relkind in ('r', 'p') and (s.exposed or s.schema_name = 'audit')
), grid as (
  select t.*, r.role_name, o.operation, o.polcmd
  from tables t
  cross join (values ('anon'), ('authenticated')) as r (role_name)
  cross join (values ('select', 'r'), ('insert', 'a'), ('update', 'w'), ('delete', 'd')) as o (operation, polcmd)
), cells as (
  select g.*,
    case g.operation
      when 'delete' then pg_catalog.has_table_privilege(g.role_name, g.oid, 'DELETE')
      else pg_catalog.has_any_column_privilege(g.role_name, g.oid, pg_catalog.upper(g.operation))
    end as has_privilege,
    array(
      select p.polname::text from pg_catalog.pg_policy p
      where p.polrelid = g.oid and p.polpermissive and p.polcmd in (g.polcmd, '*')
        and exists (select from pg_catalog.unnest(p.polroles) as pr (role_oid)
                    where pr.role_oid = 0 or pg_catalog.pg_has_role(g.role_name, pr.role_oid, 'MEMBER'))
      order by p.polname
    ) as policies,
    array(
      select p.polname::text from pg_catalog.pg_policy p
      where p.polrelid = g.oid and not p.polpermissive and p.polcmd in (g.polcmd, '*')
        and exists (select from pg_catalog.unnest(p.polroles) as pr (role_oid)
                    where pr.role_oid = 0 or pg_catalog.pg_has_role(g.role_name, pr.role_oid, 'MEMBER'))
      order by p.polname
    ) as restrictive
  from grid g
)
select
  c.schema_name, c.table_name, c.role_name, c.operation,
  c.relrowsecurity as rls_enabled, c.has_privilege, c.policies, c.restrictive, c.table_has_policies,
  case
    when not c.relrowsecurity and c.has_privilege then 'RLS disabled: the privilege reaches every row'
    when c.has_privilege and pg_catalog.cardinality(c.policies) = 0 and pg_catalog.cardinality(c.restrictive) > 0
      then 'only restrictive policies: no row can pass'
    when c.has_privilege and pg_catalog.cardinality(c.policies) = 0 then 'privilege without policy'
    when not c.has_privilege and pg_catalog.cardinality(c.policies) > 0 then 'policy without privilege (dead policy)'
    when not c.table_has_policies then 'table has no policy'
  end as finding
from cells c
order by c.schema_name, c.table_name, c.role_name,
         pg_catalog.array_position(array['select', 'insert', 'update', 'delete'], c.operation);
comment on view ops.rls_policy_coverage is
  'Per table × API role × operation: privilege held, policies that cover it, and a finding when they disagree '
  '(privilege without policy, dead policy, RLS disabled, table without any policy).';

grant select on ops.schema_scope, ops.rls_enabled_check, ops.rls_policy_coverage to service_role;
grant execute on function ops.rel_ident(oid), ops.fn_ident(oid), ops.expr_text(pg_catalog.pg_node_tree, oid) to service_role;
