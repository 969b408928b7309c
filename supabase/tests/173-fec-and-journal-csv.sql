-- The FEC of a fiscal year (export_fec, fec_file_name) and the CSV journals
-- (export_journal_csv), on the demo organization Chaleur Express (a0…a0,
-- SIREN 732829320): format details, order, refusals and who may export.
-- Seed users: owner a0…01, technician a0…03, accountant a0…05; Plomberie du
-- Rhône's accountant b0…05.
begin;
select plan(22);

create temp table fec as
select row_number() over () as n, line from public.export_fec('a0000000-0000-4000-8000-0000000000a0', '2026-12-31') as line;

select is(public.fec_file_name('a0000000-0000-4000-8000-0000000000a0', '2026-12-31'), '732829320FEC20261231.txt',
          'the file is named <SIREN>FEC<fiscal year end>.txt');
select is((select line from fec where n = 1),
  E'JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise',
  'the header names the 18 fields in order, TAB-separated');
select is((select count(*) from fec), 1 + (select count(*) from public.ledger_lines l join public.ledger_entries e on e.id = l.entry_id
                                           where e.org_id = 'a0000000-0000-4000-8000-0000000000a0' and e.fiscal_year = 2026),
          'one line per ledger line of the year, after the header');
select is((select count(*) from fec where array_length(string_to_array(line, E'\t'), 1) <> 18), 0::bigint,
          'every line has 18 fields');
select is((select split_part(line, E'\t', 1) || ' ' || split_part(line, E'\t', 3) || ' ' || split_part(line, E'\t', 5) || ' '
                  || split_part(line, E'\t', 7) || ' ' || split_part(line, E'\t', 12) || ' ' || split_part(line, E'\t', 13)
           from fec where n = 2),
          'VT 1 411 C00001 566,50 0,00', 'the first line: VT entry 1, client debited, decimal comma, zero as 0,00');
select is((select count(*) from fec where n > 1 and (split_part(line, E'\t', 4) !~ '^\d{8}$' or split_part(line, E'\t', 16) !~ '^\d{8}$')),
          0::bigint, 'dates are AAAAMMJJ');
select is((select count(*) from fec where n > 1 and (split_part(line, E'\t', 12) !~ '^\d+,\d\d$' or split_part(line, E'\t', 13) !~ '^\d+,\d\d$')),
          0::bigint, 'amounts have a decimal comma and no thousands separator');
select is((select count(*) from fec where n > 1 and split_part(line, E'\t', 14) <> '' and split_part(line, E'\t', 15) !~ '^\d{8}$'),
          0::bigint, 'every lettered line has its lettering date');
select is((select count(*) from fec where n > 1 and split_part(line, E'\t', 14) <> ''), 5::bigint,
          'the demo''s settled invoices are lettered (FAC-2026-00001 with its payment, FAC-2026-00003 with its credit note and payment)');
select is(private.fec_amount(123456789012), '1234567890,12', 'large amounts keep no thousands separator');
select is(private.fec_text(E'Tab\there|pipe\r\nnewline'), 'Tab here pipe  newline', 'separators inside a text field become spaces');
select is((select count(*) from public.export_fec('a0000000-0000-4000-8000-0000000000a0', '2025-12-31')), 1::bigint,
          'a year without entries is a header alone');

select throws_ok($$select * from public.export_fec('a0000000-0000-4000-8000-0000000000a0', '2026-06-30')$$,
                 '22023', 'Fiscal years end on 31 December: 2026-06-30 is not a fiscal year end', 'a date that does not end a fiscal year is refused');
select throws_ok($$select * from public.export_fec('a0000000-0000-4000-8000-0000000000a0', null)$$,
                 '22004', 'fiscal_year_end is required (YYYY-MM-DD)', 'the fiscal year end is required');
savepoint no_siren;
update public.organizations set siren = null, siret = null, vat_number = null where id = 'a0000000-0000-4000-8000-0000000000a0';
select throws_ok($$select public.fec_file_name('a0000000-0000-4000-8000-0000000000a0', '2026-12-31')$$,
                 'P0001', 'The organization has no SIREN: the FEC file is named after it (set organizations.siren)', 'no SIREN, no file name');
rollback to savepoint no_siren;
select tests.throws_as_user('a0000000-0000-4000-8000-000000000003',
  $$select to_jsonb(array(select public.export_fec('a0000000-0000-4000-8000-0000000000a0', '2026-12-31')))$$,
  '42501', 'Permission denied: export_fec requires one of the roles owner, admin, accountant', 'a technician cannot export the FEC');
select tests.throws_as_user('b0000000-0000-4000-8000-000000000005',
  $$select to_jsonb(array(select public.export_fec('a0000000-0000-4000-8000-0000000000a0', '2026-12-31')))$$,
  'P0002', 'Organization a0000000-0000-4000-8000-0000000000a0 not found', 'another organization''s accountant learns nothing');

-- ---------------------------------------------------------------------------
-- CSV journals
-- ---------------------------------------------------------------------------
select is((string_to_array(public.export_journal_csv('a0000000-0000-4000-8000-0000000000a0', 'AV', '2026-01-01', '2026-12-31'), E'\r\n'))[1:4],
  array[chr(65279) || 'date;journal;piece;account;auxiliary;label;debit;credit',
        (select to_char(issue_date, 'DD/MM/YYYY') from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'AV-2026-00001') || ';AV;AV-2026-00001;411;C00001;Avoir AV-2026-00001 Syndic Lumière;0,00;74,80',
        (select to_char(issue_date, 'DD/MM/YYYY') from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'AV-2026-00001') || ';AV;AV-2026-00001;709;;Avoir AV-2026-00001 Syndic Lumière;68,00;0,00',
        (select to_char(issue_date, 'DD/MM/YYYY') from public.invoices where org_id = 'a0000000-0000-4000-8000-0000000000a0' and number = 'AV-2026-00001') || ';AV;AV-2026-00001;44571;;Avoir AV-2026-00001 Syndic Lumière;6,80;0,00'],
  'the credit-note journal: BOM, header, one CRLF row per line, date DD/MM/YYYY, decimal comma');
update public.clients set name = '=HYPERLINK("http://x";"clic")' where id = 'a0000000-0000-4000-8000-0000000000c2';
insert into public.invoices (id, org_id, client_id, issue_date, service_date)
-- The organization's today (Paris), not the server's: between midnight in Paris and midnight UTC the
-- server's date is the day before, which issue_invoice refuses after an invoice issued today.
values ('c1730000-0000-4000-8000-0000000000a1', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c2',
        private.org_today('a0000000-0000-4000-8000-0000000000a0'), private.org_today('a0000000-0000-4000-8000-0000000000a0'));
insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents) values
  ('a0000000-0000-4000-8000-0000000000a0', 'c1730000-0000-4000-8000-0000000000a1', 'Test', 1, 1000);
select public.issue_invoice('c1730000-0000-4000-8000-0000000000a1') is not null as issued;
select ok(public.export_journal_csv('a0000000-0000-4000-8000-0000000000a0', 'VT',
                                    private.org_today('a0000000-0000-4000-8000-0000000000a0'), private.org_today('a0000000-0000-4000-8000-0000000000a0'))
          like E'%;"Facture FAC-2026-00006 =HYPERLINK(""http://x"";""clic"")";12,00;0,00\r\n%',
          'a label holding ; and quotes is quoted and its quotes doubled');
select ok(public.export_journal_csv('a0000000-0000-4000-8000-0000000000a0', 'VT', '2026-01-01', '2026-12-31') !~ E'(^|;)[=+@-]',
          'no field starts with a formula character');
select throws_ok($$select public.export_journal_csv('a0000000-0000-4000-8000-0000000000a0', 'XX', '2026-01-01', '2026-12-31')$$,
                 '22023', 'Unknown journal: XX (expected VT sales, AV credit notes or BQ bank)', 'an unknown journal is refused');
select throws_ok($$select public.export_journal_csv('a0000000-0000-4000-8000-0000000000a0', 'VT', '2026-12-31', '2026-01-01')$$,
                 '22023', 'The period ends (2026-01-01) before it starts (2026-12-31)', 'a reversed period is refused');

select * from finish();
rollback;
