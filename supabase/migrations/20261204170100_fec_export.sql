-- The FEC ("fichier des écritures comptables", LPF art. A47 A-1): every ledger
-- line of a fiscal year, one line each, in validation order, as the tax
-- administration reads it (README.md, "Accounting"):
--   * 18 fields in a fixed order, separated by TAB, header line first;
--   * dates AAAAMMJJ; amounts with a decimal comma and no thousands separator;
--   * EcritureNum continuous per journal (the ledger's gapless entry number);
--   * file name <SIREN>FEC<AAAAMMJJ>.txt, the date being the fiscal year end.
-- Fiscal years are calendar years here (ledger_entries.fiscal_year), so the
-- fiscal year end is a 31 December.

-- A text field of the file: TAB, CR, LF and the other separator the format
-- allows (|) would break the columns; they become spaces.
create function private.fec_text(p_value text) returns text
  language sql immutable
  set search_path = ''
as $$
  select coalesce(pg_catalog.regexp_replace(p_value, E'[\\t\\r\\n|]', ' ', 'g'), '')
$$;
revoke all on function private.fec_text(text) from public;

-- 123456 → '1234,56'; 0 → '0,00'.
create function private.fec_amount(p_cents bigint) returns text
  language sql immutable strict
  set search_path = ''
as $$
  select pg_catalog.replace(pg_catalog.to_char(p_cents / 100.0, 'FM999999999999990.00'), '.', ',')
$$;
revoke all on function private.fec_amount(bigint) from public;

create function private.fec_check_request(p_org_id uuid, p_fiscal_year_end date) returns text
  language plpgsql stable
  set search_path = ''
as $$
declare
  v_siren text;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'export_fec', pg_catalog.format('Organization %s', p_org_id));
  if p_fiscal_year_end is null then
    perform private.raise_api_error('missing_parameter', 'fiscal_year_end is required (YYYY-MM-DD)');
  end if;
  if extract(month from p_fiscal_year_end) <> 12 or extract(day from p_fiscal_year_end) <> 31 then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('Fiscal years end on 31 December: %s is not a fiscal year end', p_fiscal_year_end));
  end if;
  select o.siren into v_siren from public.organizations o where o.id = p_org_id;
  if v_siren is null then
    perform private.raise_api_error('rule_violation', 'The organization has no SIREN: the FEC file is named after it (set organizations.siren)');
  end if;
  return v_siren;
end;
$$;
revoke all on function private.fec_check_request(uuid, date) from public;

-- <SIREN>FEC<AAAAMMJJ>.txt
create function public.fec_file_name(p_org_id uuid, p_fiscal_year_end date) returns text
  language plpgsql stable security definer
  set search_path = ''
as $$
begin
  return private.fec_check_request(p_org_id, p_fiscal_year_end) || 'FEC' || pg_catalog.to_char(p_fiscal_year_end, 'YYYYMMDD') || '.txt';
end;
$$;
comment on function public.fec_file_name(uuid, date) is
  'RPC (owner, admin, accountant): the FEC file name <SIREN>FEC<AAAAMMJJ>.txt of the fiscal year ending on p_fiscal_year_end (a 31 December).';
revoke all on function public.fec_file_name(uuid, date) from public;
grant execute on function public.fec_file_name(uuid, date) to authenticated, service_role;

-- The file's lines, header first, without line terminators (the caller joins
-- them with CRLF or LF; both are accepted). ValidDate is the validation day
-- in the organization's timezone. Montantdevise and Idevise stay empty: the
-- amounts are in the accounting currency (EUR).
create function public.export_fec(p_org_id uuid, p_fiscal_year_end date) returns setof text
  language plpgsql stable security definer
  set search_path = ''
as $$
declare
  v_timezone text;
begin
  perform private.fec_check_request(p_org_id, p_fiscal_year_end);
  select o.timezone into v_timezone from public.organizations o where o.id = p_org_id;

  return next pg_catalog.array_to_string(array[
    'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum',
    'CompAuxLib', 'PieceRef', 'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet',
    'ValidDate', 'Montantdevise', 'Idevise'], E'\t');

  return query
  select pg_catalog.concat_ws(E'\t',
           e.journal_code,
           case e.journal_code when 'VT' then 'Ventes' when 'AV' then 'Avoirs' else 'Banque' end,
           e.entry_number::text,
           pg_catalog.to_char(e.entry_date, 'YYYYMMDD'),
           l.account_number,
           private.fec_text(l.account_label),
           private.fec_text(l.aux_number),
           private.fec_text(l.aux_label),
           private.fec_text(e.piece_ref),
           pg_catalog.to_char(e.piece_date, 'YYYYMMDD'),
           private.fec_text(l.label),
           private.fec_amount(l.debit_cents),
           private.fec_amount(l.credit_cents),
           coalesce(l.lettering_code, ''),
           coalesce(pg_catalog.to_char(l.lettering_date, 'YYYYMMDD'), ''),
           pg_catalog.to_char(pg_catalog.timezone(v_timezone, e.validated_at), 'YYYYMMDD'),
           '',
           '')
  from public.ledger_entries e
  join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
  where e.org_id = p_org_id and e.fiscal_year = extract(year from p_fiscal_year_end)::integer
  order by e.validated_at, e.journal_code, e.entry_number, l.line_number;
end;
$$;
comment on function public.export_fec(uuid, date) is
  'RPC (owner, admin, accountant): the FEC lines (header first, 18 TAB-separated fields) of the fiscal year ending on p_fiscal_year_end, one per ledger line in validation order.';
revoke all on function public.export_fec(uuid, date) from public;
grant execute on function public.export_fec(uuid, date) to authenticated, service_role;

-- The same file as one text, lines ended by CRLF: what a download returns
-- (an RPC returning rows would be cut at PostgREST's max_rows).
create function public.export_fec_text(p_org_id uuid, p_fiscal_year_end date) returns text
  language sql stable security definer
  set search_path = ''
as $$
  select pg_catalog.string_agg(f.line, E'\r\n' order by f.n) || E'\r\n'
  from public.export_fec(p_org_id, p_fiscal_year_end) with ordinality as f (line, n)
$$;
comment on function public.export_fec_text(uuid, date) is
  'RPC (owner, admin, accountant): the FEC of the fiscal year ending on p_fiscal_year_end as one text, CRLF line ends (export_fec''s lines).';
revoke all on function public.export_fec_text(uuid, date) from public;
grant execute on function public.export_fec_text(uuid, date) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.fec_file_name(uuid,date)',
   'private.fec_check_request (private.authorize_invoicing) checks the caller is an owner, admin or accountant of the organization; definer to read its SIREN.'),
  ('authenticated_security_definer_function_executable', 'public.export_fec(uuid,date)',
   'private.fec_check_request (private.authorize_invoicing) checks the caller is an owner, admin or accountant of the organization; definer so the file is complete whatever the caller''s row visibility.'),
  ('authenticated_security_definer_function_executable', 'public.export_fec_text(uuid,date)',
   'Calls public.export_fec, which checks the caller''s role (private.fec_check_request) before reading anything.');
