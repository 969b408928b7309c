-- Column lint (ops.lint_column_findings, migration 20261203100200): asserts
-- the schema is clean, then proves each rule fires: it creates columns of each
-- kind inside this transaction (rolled back at the end) and expects the rule
-- to name the bad ones and not their correct twins.
begin;
select plan(34);

create function pg_temp.flagged(p_rule text, p_object text) returns boolean language sql as $$
  select exists (select from ops.lint_column_findings f
                 where f.rule = p_rule and f.object = p_object and f.allowlisted_reason is null)
$$;

-- -----------------------------------------------------------------------------
-- The schema is clean.
-- -----------------------------------------------------------------------------
select is_empty($$select object || ': ' || message from ops.lint_column_findings
                  where rule = 'numeric_not_finite' and allowlisted_reason is null$$,
  'every numeric / real / double precision column of an application schema refuses NaN and ±Infinity');
select is_empty($$select object || ': ' || message from ops.lint_column_findings
                  where rule = 'text_without_limit' and allowlisted_reason is null$$,
  'every free-text and JSON column of an exposed schema has a maximum size, or an allowlisted reason');
select is_empty($$select object || ': ' || message from ops.lint_column_findings where rule = 'allowlist_stale'$$,
  'every column allowlist entry still matches a finding');
select is_empty($$select a.rule || ' ' || a.object from ops.column_rule_allowlist a where length(btrim(a.reason)) < 10$$,
  'every column allowlist entry has a reason');
select is(tests.as_service('select to_jsonb(count(*)) from ops.lint_column_findings'),
  to_jsonb((select count(*) from ops.lint_column_findings)), 'service_role reads the column lint');
select throws_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000001', 'select to_jsonb(count(*)) from ops.lint_column_findings')$$,
  '42501', null, 'an authenticated user does not');

-- -----------------------------------------------------------------------------
-- numeric_not_finite: every application schema, tables only, domains too.
-- -----------------------------------------------------------------------------
create domain public.lint_finite_amount as numeric
  constraint lint_finite_amount_finite check (value not in ('NaN', 'Infinity', '-Infinity'));
create domain public.lint_any_amount as numeric check (value >= 0);
create table public.lint_numbers (
  id        integer primary key,
  plain     numeric,
  typed     numeric(10, 2),
  dbl       double precision,
  flt       real,
  ranged    numeric check (ranged >= 0),
  guarded   numeric constraint lint_numbers_guarded_finite check (guarded not in ('NaN', 'Infinity', '-Infinity')),
  guarded_d double precision constraint lint_numbers_guarded_d_finite check (guarded_d not in ('NaN', 'Infinity', '-Infinity')),
  shared    numeric,
  other     numeric,
  on_domain public.lint_finite_amount,
  bare_dom  public.lint_any_amount,
  counter   bigint,
  constraint lint_numbers_shared check (shared not in ('NaN', 'Infinity', '-Infinity') and other > 0)
);
alter table public.lint_numbers enable row level security;
create table private.lint_private_numbers (id integer primary key, amount numeric);
create view public.lint_number_view with (security_invoker = true) as select plain from public.lint_numbers;
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.plain'), 'numeric_not_finite fires: a bare numeric column');
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.typed'), '… numeric(p, s) (it still accepts NaN)');
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.dbl'), '… double precision');
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.flt'), '… real');
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.ranged'), '… a range check alone (NaN passes >= 0)');
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.shared'),
  '… a finiteness test buried in a check over several columns (it can be dropped with the other rule)');
select ok(pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.bare_dom'), '… a domain over numeric without the rule');
select ok(pg_temp.flagged('numeric_not_finite', 'private.lint_private_numbers.amount'), '… in a schema the API does not expose');
select ok(not pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.guarded'), 'accepts a column with its _finite check');
select ok(not pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.guarded_d'), 'accepts a double precision column with its check');
select ok(not pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.on_domain'), 'accepts a column whose domain carries the rule');
select ok(not pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.counter'), 'ignores integer columns');
select ok(not exists (select from ops.lint_column_findings where object like 'public.lint_number_view.%'), 'ignores views');

-- -----------------------------------------------------------------------------
-- text_without_limit: exposed schemas, not generated columns.
-- -----------------------------------------------------------------------------
create table public.lint_texts (
  id          integer primary key,
  notes       text,
  label       varchar,
  label_n     varchar(40),
  notes_ok    text constraint lint_texts_notes_ok_length check (char_length(notes_ok) <= 100),
  name_ok     text check (length(btrim(name_ok)) between 1 and 200),
  name_trim   text check (length(btrim(name_trim)) >= 1 and length(btrim(name_trim)) <= 200),
  kind        text check (kind in ('a', 'b')),
  siren       text check (siren ~ '^[0-9]{9}$'),
  slug        text check (slug ~ '^[a-z]+$'),
  prefix_only text check (prefix_only ~ '^https://'),
  min_only    text check (char_length(min_only) >= 3),
  doc         jsonb,
  doc_ok      jsonb check (octet_length(doc_ok::text) <= 1000),
  tags        text[],
  tags_ok     text[] check (cardinality(tags_ok) <= 10),
  derived     text generated always as (upper(kind)) stored
);
alter table public.lint_texts enable row level security;
create table private.lint_private_texts (id integer primary key, notes text);
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.notes'), 'text_without_limit fires: text');
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.label'), '… varchar without a length');
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.slug'), '… a pattern with unbounded repetition');
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.prefix_only'), '… a pattern not anchored at the end');
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.min_only'), '… a minimum length only');
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.doc'), '… jsonb');
select ok(pg_temp.flagged('text_without_limit', 'public.lint_texts.tags'), '… text[]');
select is(
  (select array_agg(object order by object) from ops.lint_column_findings
   where rule = 'text_without_limit' and object like 'public.lint_texts.%' and allowlisted_reason is null),
  array['public.lint_texts.doc', 'public.lint_texts.label', 'public.lint_texts.min_only', 'public.lint_texts.notes',
        'public.lint_texts.prefix_only', 'public.lint_texts.slug', 'public.lint_texts.tags'],
  'accepts varchar(n), char_length / length(btrim()) / BETWEEN bounds, enumerations, bounded anchored patterns, '
  'JSON size caps, array cardinality caps; ignores generated columns');
select ok(not exists (select from ops.lint_column_findings where object = 'private.lint_private_texts.notes'),
  'ignores text in schemas the API does not expose');

-- -----------------------------------------------------------------------------
-- Allowlist: an entry silences its finding and is reported with its reason;
-- an entry matching nothing is reported as stale; a reason is required.
-- -----------------------------------------------------------------------------
insert into ops.column_rule_allowlist (rule, object, reason)
  values ('text_without_limit', 'public.lint_texts.doc', 'test: written only by a trusted function');
select is((select allowlisted_reason from ops.lint_column_findings where rule = 'text_without_limit' and object = 'public.lint_texts.doc'),
  'test: written only by a trusted function', 'an allowlisted column is reported with its reason, not as a problem');
insert into ops.column_rule_allowlist (rule, object, reason)
  values ('numeric_not_finite', 'public.lint_gone.amount', 'test: this column does not exist');
select ok(exists (select from ops.lint_column_findings where rule = 'allowlist_stale' and object = 'numeric_not_finite: public.lint_gone.amount'),
  'an allowlist entry that matches nothing is reported as stale');
select throws_ok($$insert into ops.column_rule_allowlist (rule, object, reason) values ('text_without_limit', 'public.x.y', 'why')$$,
  '23514', null, 'an allowlist entry needs a real reason');
select throws_ok($$insert into ops.column_rule_allowlist (rule, object, reason) values ('rls_disabled', 'public.x', 'a long enough reason')$$,
  '23514', null, 'only the column rules can be allowlisted here');

-- Fixing the column clears the finding.
alter table public.lint_numbers add constraint lint_numbers_plain_finite check (plain not in ('NaN', 'Infinity', '-Infinity'));
alter table public.lint_texts add constraint lint_texts_notes_length check (char_length(notes) <= 10000);
select ok(not pg_temp.flagged('numeric_not_finite', 'public.lint_numbers.plain'), 'adding the _finite check clears numeric_not_finite');
select ok(not pg_temp.flagged('text_without_limit', 'public.lint_texts.notes'), 'adding the _length check clears text_without_limit');

select * from finish();
rollback;
