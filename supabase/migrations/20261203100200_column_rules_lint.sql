-- =============================================================================
-- Column lint: every stored number is finite, every free text is bounded.
-- Two catalog rules next to ops.lint_findings, so a future migration that
-- adds a numeric column without its finiteness rule, or a text column of an
-- exposed schema without a maximum, fails `npm test`
-- (supabase/tests/91-column-lint.sql asserts the view empty):
--
--   rule                 what is flagged
--   numeric_not_finite   a numeric / real / double precision column of an
--                        application schema without a CHECK on that column
--                        alone (or on its domain) of the form
--                          <column> not in ('NaN', 'Infinity', '-Infinity')
--   text_without_limit   a text / varchar / char / json / jsonb column (or an
--                        array of them) of an exposed schema, not generated,
--                        without a typmod length and without a CHECK on it
--                        that bounds it: char_length / length / octet_length /
--                        pg_column_size / cardinality compared with < or <= a
--                        number, an enumeration (= ANY (ARRAY[...]) or = a
--                        literal), or an anchored pattern ^...$ with no *, +
--                        or open {n,} repetition
--
-- The text rule reads constraint definitions as Postgres prints them
-- (pg_get_constraintdef), a heuristic on purpose: it recognises the forms
-- this schema uses and names every other column, so a person looks at it.
-- Exceptions go to ops.column_rule_allowlist with the reason; an entry that
-- no longer matches a finding is itself reported (allowlist_stale), so the
-- list cannot rot. Objects are named <schema>.<table>.<column>.
--
-- A table of its own rather than ops.lint_allowlist: that table's rule list
-- and stale check belong to ops.lint_catalog(), which these rules leave alone.
-- =============================================================================

create table ops.column_rule_allowlist (
  rule       text not null check (rule in ('numeric_not_finite', 'text_without_limit')),
  object     text not null,
  reason     text not null check (length(btrim(reason)) >= 10),
  created_at timestamptz not null default now(),
  primary key (rule, object)
);
comment on table ops.column_rule_allowlist is
  'Exceptions to the column lint (ops.lint_column_findings), each with its reason. Objects: <schema>.<table>.<column>.';
-- Not exposed; RLS on for consistency with ops.lint_allowlist (DBAs bypass it).
alter table ops.column_rule_allowlist enable row level security;

-- Columns nobody types into: values derived or written only by database
-- functions from columns that are themselves bounded.
insert into ops.column_rule_allowlist (rule, object, reason) values
  ('text_without_limit', 'public.invoices.number',
   'Derived: invoices_issued_fields requires it to equal private.document_number(series, fiscal_year, sequence), e.g. FAC-2026-00001.'),
  ('text_without_limit', 'public.quotes.number',
   'Derived: the quotes check requires it to equal private.document_number(''DEV'', fiscal_year, sequence).'),
  ('text_without_limit', 'public.invoices.legal_mentions',
   'Built by the invoice issuing function from bounded organization and client columns; users cannot write it.'),
  ('text_without_limit', 'public.lock_overrides.before',
   'Row snapshot taken by the lock override function; every column of the snapshotted row has its own bound.'),
  ('text_without_limit', 'public.lock_overrides.after',
   'Row snapshot taken by the lock override function; every column of the snapshotted row has its own bound.'),
  ('text_without_limit', 'public.idempotency_keys.result',
   'The result an RPC returned, stored by private.idempotency_store for replays; never supplied by the caller.'),
  ('text_without_limit', 'public.events.result',
   'Written by the rule engine after matching an event (payload capped at 64 KiB) against the organization''s rules.'),
  ('text_without_limit', 'public.alerts.details',
   'Written only by the alert checks from one row of an alert view, whose columns are bounded.');

create function ops.lint_column_rules()
returns table (rule text, object_type text, object text, message text, allowlisted_reason text)
language sql
stable
set search_path = ''
set jit = off
as $lint$
  with cols as materialized (
    select c.oid as relid, a.attnum, a.atttypid, a.atttypmod, a.attgenerated, s.exposed,
           pg_catalog.format('%s.%I', ops.rel_ident(c.oid), a.attname) as object,
           -- the column name as pg_get_constraintdef prints it, escaped for a regex
           pg_catalog.regexp_replace(pg_catalog.quote_ident(a.attname), '([.^$*+?()\[\]{}|\\"])', '\\\1', 'g') as col_re,
           -- base type, through a domain; for an array, its element's base type
           coalesce(nullif(e.typbasetype, 0::pg_catalog.oid), e.oid) as base_type,
           t.typcategory = 'A' as is_array
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join ops.schema_scope s on s.schema_oid = c.relnamespace
    join pg_catalog.pg_type t on t.oid = a.atttypid
    join pg_catalog.pg_type e on e.oid = case when t.typcategory = 'A' then t.typelem
                                              when t.typtype = 'd' then t.typbasetype else t.oid end
    where s.kind = 'application' and c.relkind in ('r', 'p')
      and a.attnum > 0 and not a.attisdropped
  ),
  column_checks as materialized (
    select k.conrelid as relid, k.conkey, pg_catalog.pg_get_constraintdef(k.oid) as def
    from pg_catalog.pg_constraint k
    where k.contype = 'c' and k.conrelid <> 0
  ),
  domain_checks as materialized (
    select k.contypid as typid, pg_catalog.pg_get_constraintdef(k.oid) as def
    from pg_catalog.pg_constraint k
    where k.contype = 'c' and k.contypid <> 0
  ),
  raw as materialized (
    select 'numeric_not_finite'::text as rule, 'column'::text as object_type, c.object,
           'number column that accepts NaN and ±Infinity (NaN passes every > / >= check): '
           || 'add  constraint <table>_<column>_finite check (<column> not in (''NaN'', ''Infinity'', ''-Infinity''))' as message
    from cols c
    where not c.is_array
      and c.base_type in ('pg_catalog.numeric'::pg_catalog.regtype, 'pg_catalog.float4'::pg_catalog.regtype,
                          'pg_catalog.float8'::pg_catalog.regtype)
      and not exists (
        select from column_checks k
        where k.relid = c.relid and k.conkey = array[c.attnum]
          and k.def operator(pg_catalog.~) ('^CHECK \(\(' || c.col_re || ' <> ALL \(ARRAY\[''NaN''::[a-z ]+, ''Infinity''::[a-z ]+, ''-Infinity''::[a-z ]+\]\)\)\)$'))
      and not exists (
        select from domain_checks d
        where d.typid = c.atttypid
          and d.def operator(pg_catalog.~) '^CHECK \(\(VALUE <> ALL \(ARRAY\[''NaN''::[a-z ]+, ''Infinity''::[a-z ]+, ''-Infinity''::[a-z ]+\]\)\)\)$')

    union all
    select 'text_without_limit', 'column', c.object,
           'free text without a maximum length in an exposed schema: add  constraint <table>_<column>_length check '
           || '(char_length(<column>) <= N)  (JSON: octet_length(<column>::text) <= N), or allowlist it with the reason'
    from cols c
    where c.exposed and c.attgenerated = ''
      and c.base_type in ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype,
                          'pg_catalog.bpchar'::pg_catalog.regtype, 'pg_catalog.json'::pg_catalog.regtype,
                          'pg_catalog.jsonb'::pg_catalog.regtype)
      -- varchar(n) / char(n) carry their own bound (not for arrays: no count bound)
      and not (c.atttypmod > 0 and not c.is_array)
      and not exists (
        select from column_checks k
        where k.relid = c.relid and c.attnum = any (k.conkey)
          and (
            -- a length or size compared with a number
            k.def operator(pg_catalog.~)
              ('\m(char_length|length|octet_length|pg_column_size|cardinality)\([^<>=]*?\m' || c.col_re || '\M[^<>=]*?\) <=? [0-9]')
            -- an enumeration
            or k.def operator(pg_catalog.~) ('\m' || c.col_re || '\M = (ANY \(ARRAY\[|''[^'']*''::)')
            -- an anchored pattern without unbounded repetition
            or exists (
              select from pg_catalog.regexp_matches(k.def, '\m' || c.col_re || '\M ~ ''(\^[^'']*\$)''::text', 'g') as m (groups)
              where not (m.groups[1] operator(pg_catalog.~) '[*+]|\{[0-9]+,\}'))
          ))
      and not exists (
        select from domain_checks d
        where d.typid = c.atttypid
          and d.def operator(pg_catalog.~) '\m(char_length|length|octet_length)\([^<>=]*?\mVALUE\M[^<>=]*?\) <=? [0-9]')
  )
  select r.rule, r.object_type, r.object, r.message, a.reason
  from raw r
  left join ops.column_rule_allowlist a on a.rule = r.rule and a.object = r.object
  union all
  select 'allowlist_stale', 'allowlist entry', a.rule || ': ' || a.object,
         'allowlisted, but no such finding any more: delete the entry from ops.column_rule_allowlist', null
  from ops.column_rule_allowlist a
  where not exists (select from raw r where r.rule = a.rule and r.object = a.object)
$lint$;
comment on function ops.lint_column_rules() is
  'Column lint rules numeric_not_finite and text_without_limit with ops.column_rule_allowlist applied; see ops.lint_column_findings.';
revoke all on function ops.lint_column_rules() from public;

create view ops.lint_column_findings
with (security_invoker = true)
as
select l.rule, l.object_type, l.object, l.message, l.allowlisted_reason
from ops.lint_column_rules() l;
comment on view ops.lint_column_findings is
  'Column lint: one row per finding; allowlisted_reason is set for accepted exceptions. '
  'Clean means: select * from ops.lint_column_findings where allowlisted_reason is null  returns nothing.';

-- Same audience as ops.lint_findings: DBAs, and service_role for an operator dashboard.
grant select on ops.lint_column_findings to service_role;
grant execute on function ops.lint_column_rules() to service_role;
grant select on ops.column_rule_allowlist to service_role;
