-- Stored invoice PDFs (public.invoice_pdfs) and the hash they put on the
-- invoice: store_invoice_pdf() stores the bytes and records sha256(bytes) on
-- the issued invoice in one call; the row never changes; mark_invoice_sent()
-- then accepts only that hash; verify_invoice_pdf() recomputes the stored
-- file's hash (tampering is simulated as a superuser with triggers off);
-- invoice_pdf_source() is what the PDF prints, read under RLS.
-- Seed: Chaleur Express (a0…a0), client Syndic Lumière (a0…c1, portal user a0…06),
-- its accountant a0…05 and technician a0…03; Plomberie du Rhône's accountant b0…05.
begin;
select plan(41);

create function pg_temp.draft(p_id uuid, p_kind public.invoice_kind default 'invoice', p_credited uuid default null)
returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, service_date)
  values (p_id, 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', p_kind, p_credited, current_date);
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate) values
    ('a0000000-0000-4000-8000-0000000000a0', p_id, 1, 'Main d''œuvre', 2.5, 49382, 10),
    ('a0000000-0000-4000-8000-0000000000a0', p_id, 2, 'Pièces', 1, 1990, 20),
    ('a0000000-0000-4000-8000-0000000000a0', p_id, 3, 'Joint', 2, 250, 20);
  return p_id;
end $$;
-- A minimal PDF-looking file: the database checks the "%PDF-" signature, not the layout.
create function pg_temp.pdf(p_text text) returns bytea language sql as $$
  select convert_to('%PDF-1.3' || chr(10) || p_text || chr(10) || '%%EOF', 'UTF8')
$$;
create function pg_temp.store(p_id uuid, p_pdf bytea) returns jsonb language sql as $$
  select tests.as_service(format('select public.store_invoice_pdf(%L, %L::bytea)', p_id, p_pdf))
$$;

select pg_temp.draft('c1200000-0000-4000-8000-0000000000a1');
select pg_temp.draft('c1200000-0000-4000-8000-0000000000a2');
select pg_temp.draft('c1200000-0000-4000-8000-0000000000d1');  -- stays a draft
select public.issue_invoice('c1200000-0000-4000-8000-0000000000a1') is not null as a1;
select public.issue_invoice('c1200000-0000-4000-8000-0000000000a2') is not null as a2;
select pg_temp.draft('c1200000-0000-4000-8000-0000000000c9', 'credit_note', 'c1200000-0000-4000-8000-0000000000a1');
select public.issue_invoice('c1200000-0000-4000-8000-0000000000c9') is not null as cn;

-- ---------------------------------------------------------------------------
-- Storing: bytes and hash in one call, the hash computed by Postgres
-- ---------------------------------------------------------------------------
select is(
  (select pg_temp.store('c1200000-0000-4000-8000-0000000000a1', pg_temp.pdf('first')) - 'rendered_at' - 'number'),
  jsonb_build_object('invoice_id', 'c1200000-0000-4000-8000-0000000000a1', 'created', true,
                     'sha256', encode(sha256(pg_temp.pdf('first')), 'hex'), 'size_bytes', octet_length(pg_temp.pdf('first'))),
  'store_invoice_pdf stores the file and answers sha256 of the exact bytes');
select results_eq(
  $$select p.sha256 = i.pdf_sha256, p.sha256 = encode(sha256(p.pdf), 'hex'), p.size_bytes = octet_length(p.pdf), i.status::text, p.org_id
    from public.invoice_pdfs p join public.invoices i on i.id = p.invoice_id
    where p.invoice_id = 'c1200000-0000-4000-8000-0000000000a1'$$,
  $$values (true, true, true, 'issued', 'a0000000-0000-4000-8000-0000000000a0'::uuid)$$,
  'the invoice records the stored file''s hash and stays issued: a hash before sending');
select is(
  (select pg_temp.store('c1200000-0000-4000-8000-0000000000a1', pg_temp.pdf('second')) ->> 'created'), 'false',
  'storing again: the first PDF stays (created = false)');
select results_eq(
  $$select p.pdf = pg_temp.pdf('first'), i.pdf_sha256 = encode(sha256(pg_temp.pdf('first')), 'hex')
    from public.invoice_pdfs p join public.invoices i on i.id = p.invoice_id
    where p.invoice_id = 'c1200000-0000-4000-8000-0000000000a1'$$,
  $$values (true, true)$$, 'the stored bytes and the invoice hash are unchanged by a second store');

-- Refusals: nothing is stored.
select throws_ok($$select pg_temp.store('c1200000-0000-4000-8000-0000000000d1', pg_temp.pdf('draft'))$$,
  '55000', 'Invoice c1200000-0000-4000-8000-0000000000d1 is a draft: issue it before storing its PDF',
  'a draft has no PDF (invoice_not_issued, HTTP 409)');
select throws_ok($$select pg_temp.store('c1200000-0000-4000-8000-0000000000a2', convert_to('hello', 'UTF8'))$$,
  '22023', 'The file is not a PDF (it does not start with %PDF-)', 'bytes that are not a PDF are refused');
select throws_ok($$select pg_temp.store('c1200000-0000-4000-8000-00000000ffff', pg_temp.pdf('x'))$$,
  'P0002', 'Invoice c1200000-0000-4000-8000-00000000ffff not found', 'an unknown invoice is not found');
select throws_ok($$select pg_temp.store(null, pg_temp.pdf('x'))$$,
  '22004', 'invoice_id and pdf are required', 'a missing id is refused');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000005',
      format('select public.store_invoice_pdf(%L, %L::bytea)', 'c1200000-0000-4000-8000-0000000000a2', pg_temp.pdf('user')))$$,
  '42501', 'permission denied for function store_invoice_pdf',
  'users cannot store a PDF of their choosing: only the service role (the invoice-pdf function) can');
select is((select count(*)::int from public.invoice_pdfs where invoice_id in
  ('c1200000-0000-4000-8000-0000000000a2', 'c1200000-0000-4000-8000-0000000000d1')), 0, 'no refused call stored anything');
select is((select pdf_sha256 from public.invoices where id = 'c1200000-0000-4000-8000-0000000000a2'), null,
  'and no refused call recorded a hash');

-- A hash recorded without a stored file (mark_invoice_sent before this
-- function existed): only a PDF with that very hash may be stored.
select public.mark_invoice_sent('c1200000-0000-4000-8000-0000000000a2', encode(sha256(pg_temp.pdf('sent before')), 'hex')) is not null as sent;
select throws_ok($$select pg_temp.store('c1200000-0000-4000-8000-0000000000a2', pg_temp.pdf('another render'))$$,
  'P0001', null, 'a PDF whose hash is not the one recorded is refused (pdf_hash_mismatch)');
select is((select pg_temp.store('c1200000-0000-4000-8000-0000000000a2', pg_temp.pdf('sent before')) ->> 'created'), 'true',
  'the PDF with the recorded hash is stored for a sent invoice');

-- ---------------------------------------------------------------------------
-- The stored row and the recorded hash never change
-- ---------------------------------------------------------------------------
select throws_ok($$update public.invoice_pdfs set pdf = pg_temp.pdf('forged') where invoice_id = 'c1200000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'The stored PDF of invoice c1200000-0000-4000-8000-0000000000a1 cannot be changed nor removed (UPDATE refused)',
  'a stored PDF cannot be replaced, even by the database owner');
select throws_ok($$delete from public.invoice_pdfs where invoice_id = 'c1200000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'The stored PDF of invoice c1200000-0000-4000-8000-0000000000a1 cannot be changed nor removed (DELETE refused)',
  'a stored PDF cannot be removed');
select throws_ok($$insert into public.invoice_pdfs (invoice_id, org_id, sha256, pdf) values
    ('c1200000-0000-4000-8000-0000000000c9', 'a0000000-0000-4000-8000-0000000000a0', repeat('0', 64), pg_temp.pdf('x'))$$,
  '428C9', null, 'the hash column cannot be written: Postgres computes it');
select throws_ok(
  $$select tests.as_service('update public.invoices set pdf_sha256 = repeat(''0'', 64) where id = ''c1200000-0000-4000-8000-0000000000a1'' returning 1')$$,
  'P0001', format('Invoice %s is locked (status: issued)', (select number from public.invoices where id = 'c1200000-0000-4000-8000-0000000000a1')),
  'the recorded hash of an issued invoice cannot be rewritten');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000005',
      'insert into public.invoice_pdfs (invoice_id, org_id, pdf) values (''c1200000-0000-4000-8000-0000000000c9'', ''a0000000-0000-4000-8000-0000000000a0'', ''\x255044462d'') returning 1')$$,
  '42501', 'permission denied for table invoice_pdfs', 'users cannot write the table');
select throws_ok(
  $$update public.invoices set pdf_sha256 = repeat('0', 64) where id = 'c1200000-0000-4000-8000-0000000000d1'$$,
  'P0001', null, 'a draft cannot carry a PDF hash');

-- ---------------------------------------------------------------------------
-- Sending: the hash sent must be the stored PDF's
-- ---------------------------------------------------------------------------
select throws_ok(
  $$select public.mark_invoice_sent('c1200000-0000-4000-8000-0000000000a1', repeat('ab', 32))$$,
  'P0001', format('Invoice %s: the PDF hash %s is not the hash of its stored PDF (%s)',
                  (select number from public.invoices where id = 'c1200000-0000-4000-8000-0000000000a1'), repeat('ab', 32),
                  encode(sha256(pg_temp.pdf('first')), 'hex')),
  'mark_invoice_sent refuses a hash other than the stored PDF''s (pdf_hash_mismatch, HTTP 409)');
select is((select status::text from public.invoices where id = 'c1200000-0000-4000-8000-0000000000a1'), 'issued',
  'the refused send changed nothing');
select is(
  public.mark_invoice_sent('c1200000-0000-4000-8000-0000000000a1', upper(encode(sha256(pg_temp.pdf('first')), 'hex'))) ->> 'pdf_sha256',
  encode(sha256(pg_temp.pdf('first')), 'hex'), 'mark_invoice_sent with the stored PDF''s hash sends the invoice');
select results_eq(
  $$select status::text, sent_at is not null from public.invoices where id = 'c1200000-0000-4000-8000-0000000000a1'$$,
  $$values ('sent', true)$$, 'sent, with its sent_at');
select ok((select ok from public.verify_invoice_chain('a0000000-0000-4000-8000-0000000000a0')),
  'recording the PDF hash and sending keep the hash chain valid');

-- ---------------------------------------------------------------------------
-- Who reads a stored PDF: those who read the invoice
-- ---------------------------------------------------------------------------
select is(tests.as_user('a0000000-0000-4000-8000-000000000005',
  $$select count(*) from public.invoice_pdfs where invoice_id = 'c1200000-0000-4000-8000-0000000000a1'$$)::int, 1,
  'the organization''s accountant reads it');
select is(tests.as_user('a0000000-0000-4000-8000-000000000006',
  $$select count(*) from public.invoice_pdfs where invoice_id = 'c1200000-0000-4000-8000-0000000000a1'$$)::int, 1,
  'the client''s portal user reads it');
select is(tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$select count(*) from public.invoice_pdfs$$)::int, 0, 'a technician reads none');
select is(tests.as_user('b0000000-0000-4000-8000-000000000005',
  $$select count(*) from public.invoice_pdfs where org_id = 'a0000000-0000-4000-8000-0000000000a0'$$)::int, 0,
  'another organization''s accountant reads none');
select throws_ok($$select tests.as_anon('select count(*) from public.invoice_pdfs')$$,
  '42501', 'permission denied for table invoice_pdfs', 'anon has no access');

-- ---------------------------------------------------------------------------
-- What the PDF prints (read as the caller)
-- ---------------------------------------------------------------------------
select results_eq(
  $$select s ->> 'title', (s ->> 'total_ht_cents')::bigint, (s ->> 'total_ttc_cents')::bigint, jsonb_array_length(s -> 'lines'),
           s -> 'vat_breakdown', s #>> '{legal_mentions,seller,siren}', s #>> '{legal_mentions,recovery_indemnity}' like '%40 €%'
    from (select tests.as_user('a0000000-0000-4000-8000-000000000005',
            'select public.invoice_pdf_source(''c1200000-0000-4000-8000-0000000000a1'')') as s) q$$,
  $$select 'Facture', 125945::bigint, 125945::bigint + 12346 + 498, 3,
           '[{"vat_rate": 10.0, "category_code": "S", "base_ht_cents": 123455, "vat_cents": 12346}, {"vat_rate": 20.0, "category_code": "S", "base_ht_cents": 2490, "vat_cents": 498}]'::jsonb,
           (select siren from public.organizations where id = 'a0000000-0000-4000-8000-0000000000a0'), true$$,
  'the source carries the title, totals, lines, VAT per rate and the frozen legal mentions');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000006', $$select public.invoice_pdf_source('c1200000-0000-4000-8000-0000000000c9')$$)
    #>> '{legal_mentions,credited_invoice,text}',
  -- The corrected invoice's own issue date (the organization's day, which is not the server's between
  -- midnight in Paris and midnight UTC).
  (select format('Avoir sur la facture %s du %s', number, to_char(issue_date, 'DD/MM/YYYY'))
     from public.invoices where id = 'c1200000-0000-4000-8000-0000000000a1'),
  'a credit note''s source cites the invoice it corrects (read by the client''s portal user)');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000005', 'select public.invoice_pdf_source(''c1200000-0000-4000-8000-0000000000d1'')')$$,
  '55000', 'Invoice c1200000-0000-4000-8000-0000000000d1 is a draft: issue it before rendering its PDF',
  'a draft has nothing to print (invoice_not_issued)');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000005', 'select public.invoice_pdf_source(''c1200000-0000-4000-8000-0000000000a1'')')$$,
  'P0002', 'Invoice c1200000-0000-4000-8000-0000000000a1 not found', 'another organization''s invoice is not found');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.invoice_pdf_source(''c1200000-0000-4000-8000-0000000000a1'')')$$,
  'P0002', 'Invoice c1200000-0000-4000-8000-0000000000a1 not found', 'a technician cannot read the invoice: not found');

-- ---------------------------------------------------------------------------
-- Verifying: recomputed hash of the stored file, hash of a fresh render
-- ---------------------------------------------------------------------------
create function pg_temp.verdict(p_id uuid, p_rendered bytea) returns jsonb language sql as $$
  select tests.as_user('a0000000-0000-4000-8000-000000000005',
    format('select public.verify_invoice_pdf(%L, %L::bytea)', p_id, p_rendered))
$$;
select is(
  (select v - 'invoice_id' - 'number' - 'recorded_sha256' - 'stored_sha256' - 'rendered_sha256'
   from pg_temp.verdict('c1200000-0000-4000-8000-0000000000a1', pg_temp.pdf('first')) v),
  '{"ok": true, "stored_matches_recorded": true, "rendered_matches_recorded": true}'::jsonb,
  'an untouched PDF and an identical render verify');
select is(
  (select v ->> 'ok' || ' ' || (v ->> 'stored_matches_recorded') || ' ' || (v ->> 'rendered_matches_recorded')
   from pg_temp.verdict('c1200000-0000-4000-8000-0000000000a1', pg_temp.pdf('a different render')) v),
  'false true false', 'a render that differs from the stored PDF is reported');
select throws_ok($$select pg_temp.verdict('c1200000-0000-4000-8000-0000000000c9', pg_temp.pdf('x'))$$,
  '55000', format('Invoice %s has no stored PDF yet: render it first',
                  (select number from public.invoices where id = 'c1200000-0000-4000-8000-0000000000c9')),
  'verifying a document without a stored PDF is refused (invalid_state)');

set local session_replication_role = replica;
update public.invoice_pdfs set pdf = pg_temp.pdf('tampered') where invoice_id = 'c1200000-0000-4000-8000-0000000000a1';
set local session_replication_role = origin;
select is(
  (select jsonb_build_object('ok', v -> 'ok', 'stored', v -> 'stored_matches_recorded', 'rendered', v -> 'rendered_matches_recorded',
                             'stored_sha256', v -> 'stored_sha256')
   from pg_temp.verdict('c1200000-0000-4000-8000-0000000000a1', pg_temp.pdf('first')) v),
  jsonb_build_object('ok', false, 'stored', false, 'rendered', true, 'stored_sha256', encode(sha256(pg_temp.pdf('tampered')), 'hex')),
  'a tampered stored PDF is detected: its recomputed hash is not the invoice''s');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000005',
      format('select public.verify_invoice_pdf(%L, %L::bytea)', 'c1200000-0000-4000-8000-0000000000a1', pg_temp.pdf('first')))$$,
  'P0002', 'Invoice c1200000-0000-4000-8000-0000000000a1 not found', 'another organization cannot verify it either');

-- ---------------------------------------------------------------------------
-- The model, as constraints
-- ---------------------------------------------------------------------------
set local session_replication_role = replica;
select throws_ok(
  $$update public.invoices set status = 'sent', sent_at = now(), pdf_sha256 = null where id = 'c1200000-0000-4000-8000-0000000000c9'$$,
  '23514', null, 'even with triggers off, a sent document without a PDF hash breaks invoices_sent_has_pdf');
select lives_ok(
  $$update public.invoices set pdf_sha256 = repeat('c', 64) where id = 'c1200000-0000-4000-8000-0000000000c9'$$,
  'an issued, unsent document may carry a PDF hash');
set local session_replication_role = origin;

select * from finish();
rollback;
