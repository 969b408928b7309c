-- Sales (VT) and credit-note (AV) journals — and the bank journal (BQ) — as
-- CSV for accounting software (README.md, "Accounting"): one row per ledger
-- line, columns date;journal;piece;account;auxiliary;label;debit;credit,
-- ';'-separated (the French spreadsheet convention, as the decimal comma is
-- taken), UTF-8 with a byte order mark (so spreadsheets read the accents),
-- CRLF line ends, dates DD/MM/YYYY, amounts with a decimal comma. Text fields
-- go through audit.csv_field, the project's CSV escaping: a leading = + - @
-- is disarmed and quotes are doubled.

-- One text field for a ';'-separated file: audit.csv_field quotes fields that
-- hold a comma, a quote or a line break; a ';' needs quoting here too.
create function private.csv_semicolon_field(p_value text) returns text
  language sql immutable
  set search_path = ''
as $$
  select case when f.field like '%;%' and f.field not like '"%' then '"' || f.field || '"' else f.field end
  from (select audit.csv_field(p_value) as field) as f
$$;
revoke all on function private.csv_semicolon_field(text) from public;

create function public.export_journal_csv(p_org_id uuid, p_journal text, p_from date, p_to date) returns text
  language plpgsql stable security definer
  set search_path = ''
as $$
declare
  v_csv text;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'export_journal_csv', pg_catalog.format('Organization %s', p_org_id));
  if p_journal is null or p_journal not in ('VT', 'AV', 'BQ') then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Unknown journal: %s (expected VT sales, AV credit notes or BQ bank)', coalesce(p_journal, 'null')));
  end if;
  if p_from is null or p_to is null then
    perform private.raise_api_error('missing_parameter', 'from and to dates are required (YYYY-MM-DD)');
  end if;
  if p_to < p_from then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('The period ends (%s) before it starts (%s)', p_to, p_from));
  end if;

  select pg_catalog.string_agg(r.line, E'\r\n' order by r.validated_at, r.entry_number, r.line_number)
  into v_csv
  from (
    select e.validated_at, e.entry_number, l.line_number,
           pg_catalog.concat_ws(';',
             pg_catalog.to_char(e.entry_date, 'DD/MM/YYYY'),
             e.journal_code,
             private.csv_semicolon_field(e.piece_ref),
             private.csv_semicolon_field(l.account_number),
             private.csv_semicolon_field(coalesce(l.aux_number, '')),
             private.csv_semicolon_field(l.label),
             private.fec_amount(l.debit_cents),
             private.fec_amount(l.credit_cents)) as line
    from public.ledger_entries e
    join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
    where e.org_id = p_org_id and e.journal_code = p_journal and e.entry_date between p_from and p_to
  ) as r;

  return pg_catalog.chr(65279) || 'date;journal;piece;account;auxiliary;label;debit;credit'
         || coalesce(E'\r\n' || v_csv, '') || E'\r\n';
end;
$$;
comment on function public.export_journal_csv(uuid, text, date, date) is
  'RPC (owner, admin, accountant): a journal (VT, AV or BQ) between two entry dates as CSV for accounting software: UTF-8 with BOM, '';''-separated, decimal comma, formula-safe text fields.';
revoke all on function public.export_journal_csv(uuid, text, date, date) from public;
grant execute on function public.export_journal_csv(uuid, text, date, date) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.export_journal_csv(uuid,text,date,date)',
   'private.authorize_invoicing checks the caller is an owner, admin or accountant of the organization; definer so the journal is complete whatever the caller''s row visibility.');
