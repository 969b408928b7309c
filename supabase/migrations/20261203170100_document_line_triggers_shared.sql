-- Quote lines and invoice lines share their two triggers.
--
-- The line guard (only a draft's lines change, the document row locked
-- against a concurrent send/issue) and the statement trigger that touches
-- each affected draft so its totals are recomputed were written twice, once
-- per document table, identical but for the names. One function each now,
-- told which document it guards by its trigger argument ('quote' or
-- 'invoice'): the table is public.<document>s, the lines' reference column
-- <document>_id. Messages, error codes (quote_locked, invoice_locked,
-- rule_violation) and locking are unchanged (docs/errors.md).

-- BEFORE INSERT OR UPDATE OR DELETE on quote_lines / invoice_lines: only a
-- draft's lines change. The document row is locked FOR NO KEY UPDATE:
-- send_quote() and issue_invoice() lock it FOR UPDATE, so a line written
-- concurrently with the send/issue is either seen by it (totals, hash) or
-- refused; it can never slip in after the number.
create function private.guard_document_line_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- 'quote' or 'invoice', from the trigger definition.
  v_document    text := tg_argv[0];
  v_line        jsonb;
  v_org_id      uuid;
  v_document_id uuid;
  v_status      text;
  v_number      text;
begin
  if v_document is null or v_document not in ('quote', 'invoice') then
    raise exception 'guard_document_line_changes: trigger argument must be quote or invoice, got %', v_document
      using errcode = '39P01';
  end if;

  if tg_op = 'UPDATE'
     and (pg_catalog.to_jsonb(new) -> (v_document || '_id') <> pg_catalog.to_jsonb(old) -> (v_document || '_id')
          or new.org_id <> old.org_id) then
    perform private.raise_api_error('rule_violation',
      pg_catalog.format('%s lines cannot move to another %s', pg_catalog.initcap(v_document), v_document));
  end if;

  v_line := pg_catalog.to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_org_id := (v_line ->> 'org_id')::uuid;
  v_document_id := (v_line ->> (v_document || '_id'))::uuid;

  -- The table name is one of two fixed values checked above; %I quotes it anyway.
  execute pg_catalog.format(
    'select d.status::text, d.number from public.%I d where d.org_id = $1 and d.id = $2 for no key update',
    v_document || 's')
    into v_status, v_number
    using v_org_id, v_document_id;
  -- Not found: an insert then fails on the foreign key; a delete is the
  -- cascade of the draft's own deletion.
  if v_status is not null and v_status <> 'draft' then
    perform private.raise_api_error(v_document || '_locked',
      pg_catalog.format('%s %s is locked (status: %s)', pg_catalog.initcap(v_document), v_number, v_status));
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;

comment on function private.guard_document_line_changes() is
  'Trigger (invariant 3), argument quote or invoice: lines of a sent quote or issued invoice cannot be inserted, updated or deleted; locks the document row against a concurrent send/issue.';

revoke all on function private.guard_document_line_changes() from public;

-- AFTER … FOR EACH STATEMENT on quote_lines / invoice_lines: touch each
-- affected draft once, which recomputes its totals (derive_quote_fields /
-- derive_invoice_fields). One UPDATE per document per statement, however many
-- lines the statement wrote. The transition table is old_lines for DELETE,
-- new_lines otherwise (the triggers' REFERENCING clauses).
create function private.refresh_document_totals()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_document text := tg_argv[0];
begin
  if v_document is null or v_document not in ('quote', 'invoice') then
    raise exception 'refresh_document_totals: trigger argument must be quote or invoice, got %', v_document
      using errcode = '39P01';
  end if;

  execute pg_catalog.format(
    'update public.%I d set updated_at = pg_catalog.now()'
    ' where d.status = ''draft'' and d.id in (select distinct l.%I from %I l)',
    v_document || 's', v_document || '_id',
    case when tg_op = 'DELETE' then 'old_lines' else 'new_lines' end);
  return null;
end;
$$;

comment on function private.refresh_document_totals() is
  'Statement trigger, argument quote or invoice: recomputes the totals of the drafts whose lines changed.';

revoke all on function private.refresh_document_totals() from public;

-- The same trigger names, now pointing at the shared functions.
create or replace trigger quote_lines_10_guard
  before insert or update or delete on public.quote_lines
  for each row execute function private.guard_document_line_changes('quote');
create or replace trigger invoice_lines_10_guard
  before insert or update or delete on public.invoice_lines
  for each row execute function private.guard_document_line_changes('invoice');

create or replace trigger quote_lines_20_totals_del
  after delete on public.quote_lines referencing old table as old_lines
  for each statement execute function private.refresh_document_totals('quote');
create or replace trigger quote_lines_20_totals_ins
  after insert on public.quote_lines referencing new table as new_lines
  for each statement execute function private.refresh_document_totals('quote');
create or replace trigger quote_lines_20_totals_upd
  after update on public.quote_lines referencing new table as new_lines
  for each statement execute function private.refresh_document_totals('quote');
create or replace trigger invoice_lines_20_totals_del
  after delete on public.invoice_lines referencing old table as old_lines
  for each statement execute function private.refresh_document_totals('invoice');
create or replace trigger invoice_lines_20_totals_ins
  after insert on public.invoice_lines referencing new table as new_lines
  for each statement execute function private.refresh_document_totals('invoice');
create or replace trigger invoice_lines_20_totals_upd
  after update on public.invoice_lines referencing new table as new_lines
  for each statement execute function private.refresh_document_totals('invoice');

drop function private.guard_quote_line_changes();
drop function private.guard_invoice_line_changes();
drop function private.refresh_quote_totals();
drop function private.refresh_invoice_totals();
