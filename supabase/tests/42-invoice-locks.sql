-- Invoice locks (invariant 3) and computed totals: once issued, sent or paid,
-- nothing changes but the forward send/payment markers, through their
-- functions; lines of an issued invoice cannot be inserted, updated or
-- deleted; issued invoices cannot be deleted; drafts are free and their totals
-- are computed by the database (per-line rounding, half up). Invariant 4's
-- "no sent invoice without its PDF hash" (mark_invoice_sent, check constraint).
begin;
select plan(67);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', '443061841', 'FR40443061841',
        '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, siren, billing_address, billing_postal_code, billing_city) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '301120499', '10 rue Client', '69007', 'Lyon'),
  ('c4000000-0000-4000-8000-0000000000c2', 'c4000000-0000-4000-8000-0000000000f0', 'Hôtel Test', '301120564', '11 rue Client', '69008', 'Lyon');

create function pg_temp.draft(p_id uuid, p_issue date, p_cents bigint default 10000) returns uuid language plpgsql as $$
begin
  insert into public.invoices (id, org_id, client_id, issue_date, service_date)
  values (p_id, 'c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', p_issue, p_issue);
  insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
  values ('c4000000-0000-4000-8000-0000000000f0', p_id, 'Prestation test', 1, p_cents, 20);
  return p_id;
end $$;

-- X issued (FAC-2026-00001), Y sent (…00002), Z paid (…00003).
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a1', '2026-03-01');
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a2', '2026-03-02');
select pg_temp.draft('c4000000-0000-4000-8000-0000000000a3', '2026-03-03');
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a1') is not null as issued_x;
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a2') is not null as issued_y;
select public.issue_invoice('c4000000-0000-4000-8000-0000000000a3') is not null as issued_z;

-- ---------------------------------------------------------------------------
-- mark_invoice_sent: the PDF hash makes an invoice sent (invariant 4)
-- ---------------------------------------------------------------------------
select throws_ok(
  $$select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a2', 'not-a-hash')$$,
  '22023', 'Invalid PDF hash: expected the SHA-256 of the PDF as 64 hexadecimal characters',
  'mark_invoice_sent refuses something that is not a SHA-256');
select throws_ok(
  $$select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a2', null)$$,
  '22023', 'Invalid PDF hash: expected the SHA-256 of the PDF as 64 hexadecimal characters',
  'mark_invoice_sent refuses a missing hash');
select is(
  public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a2', upper(repeat('ab12', 16))) ->> 'pdf_sha256',
  repeat('ab12', 16), 'mark_invoice_sent records the PDF hash (lower-cased)');
select results_eq(
  $$select status::text, sent_at is not null from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  $$values ('sent'::text, true)$$, '… and the invoice is sent, with its sent_at');
select is(
  public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a2', repeat('ab12', 16)) ->> 'pdf_sha256',
  repeat('ab12', 16), 'replaying mark_invoice_sent with the same hash is a no-op that answers the same');
select throws_ok(
  $$select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a2', repeat('cd34', 16))$$,
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)',
  'the PDF hash is set once: another hash is refused');
set local session_replication_role = replica;
select throws_ok(
  $$update public.invoices set status = 'sent' where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  '23514', null, 'even with triggers disabled, no invoice is sent without its PDF hash (check constraint)');
reset session_replication_role;

-- Z: sent, fully paid, reconciled → paid.
select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a3', repeat('ef56', 16)) is not null as sent_z;
insert into public.payments (org_id, invoice_id, amount_cents, method, paid_on, external_ref)
values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000a3', 12000, 'transfer', '2026-03-20', 'VIR-Z');
select public.reconcile_payments('c4000000-0000-4000-8000-0000000000f0') is not null as reconciled;
select is((select status::text from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a3'), 'paid',
  'Z is paid once reconciled');

-- Snapshots to prove that refused changes change nothing.
create temporary table t_before on commit drop as
  select i.id, to_jsonb(i) as inv,
         (select jsonb_agg(to_jsonb(l) order by l.id) from public.invoice_lines l where l.invoice_id = i.id) as lines
  from public.invoices i where i.org_id = 'c4000000-0000-4000-8000-0000000000f0';

-- ---------------------------------------------------------------------------
-- Issued (not yet sent) is already locked
-- ---------------------------------------------------------------------------
select throws_ok($$update public.invoices set notes = 'oops' where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Invoice FAC-2026-00001 is locked (status: issued)', 'an issued invoice cannot be edited');
select throws_ok($$update public.invoices set status = 'sent', pdf_sha256 = repeat('a', 64), sent_at = now() where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Invoice FAC-2026-00001 is locked (status: issued)', 'an issued invoice becomes sent only through mark_invoice_sent()');
select throws_ok($$delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Invoice FAC-2026-00001 is locked (status: issued)', 'an issued invoice cannot be deleted');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000a1', 'extra', 1, 100)$$,
  'P0001', 'Invoice FAC-2026-00001 is locked (status: issued)', 'no line can be added to an issued invoice');

-- ---------------------------------------------------------------------------
-- Sent: every column, the lines, deletion
-- ---------------------------------------------------------------------------
select throws_ok(format($$update public.invoices set %s where id = 'c4000000-0000-4000-8000-0000000000a2'$$, change),
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)', 'a sent invoice refuses: ' || change)
from unnest(array[
  $$number = 'FAC-2026-00099'$$,
  $$issue_date = '2026-03-05'$$,
  $$due_date = '2026-05-01'$$,
  $$service_date = '2026-01-01'$$,
  $$client_id = 'c4000000-0000-4000-8000-0000000000c2'$$,
  $$notes = 'edited'$$,
  $$payment_terms = 'Paiement à 90 jours'$$,
  $$total_ht_cents = 1$$,
  $$legal_mentions = '{}'$$,
  $$legal_mentions_ok = false$$,
  $$kind = 'credit_note'$$,
  $$status = 'draft'$$,
  $$status = 'paid', paid_at = now()$$,
  $$pdf_sha256 = repeat('0', 64)$$,
  $$sent_at = now() - interval '1 day'$$,
  $$row_hash = repeat('0', 64)$$,
  $$prev_hash = null$$,
  $$issued_by = 'a0000000-0000-4000-8000-000000000001'$$,
  $$status = status$$
]) as change;
select throws_ok($$delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)', 'a sent invoice cannot be deleted');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000a2', 'extra', 1, 100)$$,
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)', 'no line can be added to a sent invoice');
select throws_ok($$update public.invoice_lines set unit_price_cents = 1 where invoice_id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)', 'a line of a sent invoice cannot be updated');
select throws_ok($$update public.invoice_lines set description = 'autre' where invoice_id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)', 'not even its description');
select throws_ok($$delete from public.invoice_lines where invoice_id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  'P0001', 'Invoice FAC-2026-00002 is locked (status: sent)', 'a line of a sent invoice cannot be deleted');

-- ---------------------------------------------------------------------------
-- Paid: the end of the road
-- ---------------------------------------------------------------------------
select throws_ok($$update public.invoices set status = 'partially_paid', paid_at = null where id = 'c4000000-0000-4000-8000-0000000000a3'$$,
  'P0001', 'Invoice FAC-2026-00003 is locked (status: paid)', 'a paid invoice never moves back');
select throws_ok($$update public.invoices set paid_at = now() - interval '1 day' where id = 'c4000000-0000-4000-8000-0000000000a3'$$,
  'P0001', 'Invoice FAC-2026-00003 is locked (status: paid)', 'paid_at is set once');
select throws_ok($$update public.invoices set due_date = '2026-12-31' where id = 'c4000000-0000-4000-8000-0000000000a3'$$,
  'P0001', 'Invoice FAC-2026-00003 is locked (status: paid)', 'a paid invoice cannot be edited');
select throws_ok($$delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000a3'$$,
  'P0001', 'Invoice FAC-2026-00003 is locked (status: paid)', 'a paid invoice cannot be deleted');
select throws_ok($$delete from public.invoice_lines where invoice_id = 'c4000000-0000-4000-8000-0000000000a3'$$,
  'P0001', 'Invoice FAC-2026-00003 is locked (status: paid)', 'a line of a paid invoice cannot be deleted');
select throws_ok($$select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000a3', repeat('cd34', 16))$$,
  'P0001', 'Invoice FAC-2026-00003 is locked (status: paid)', 'a paid invoice gets no other PDF hash');

-- Nothing changed.
select is(
  (select count(*)::int from t_before b
   join public.invoices i on i.id = b.id
   where to_jsonb(i) <> b.inv
      or (select jsonb_agg(to_jsonb(l) order by l.id) from public.invoice_lines l where l.invoice_id = i.id) is distinct from b.lines),
  0, 'every refused change left the invoices and their lines exactly as they were');
select is((select ok from public.verify_invoice_chain('c4000000-0000-4000-8000-0000000000f0')), true,
  'the hash chain is intact');

-- ---------------------------------------------------------------------------
-- Drafts: free, but totals and issuing columns belong to the database
-- ---------------------------------------------------------------------------
select pg_temp.draft('c4000000-0000-4000-8000-0000000000d1', null, 10000);
select lives_ok($$update public.invoices set notes = 'à revoir', service_date = '2026-03-10', client_id = 'c4000000-0000-4000-8000-0000000000c2'
                  where id = 'c4000000-0000-4000-8000-0000000000d1'$$, 'a draft can be edited');
select results_eq(
  $$select total_ht_cents, total_vat_cents, total_ttc_cents from public.invoices where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  $$values (10000::bigint, 2000::bigint, 12000::bigint)$$, 'a draft''s totals come from its lines');

-- Rounding, per line, half up: 1.5 × 3.33 = 4.995 → 5.00; 5.5 % of 5.00 = 0.275 → 0.28;
-- 0.333 × 10.00 = 3.33; 2.1 % of 3.33 = 0.06993 → 0.07; 10 % of 2.45 = 0.245 → 0.25.
insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
  ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000d1', 2, 'Joint', 1.5, 'u', 333, 5.5),
  ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000d1', 3, 'Fluide', 0.333, 'l', 1000, 2.1),
  ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000d1', 4, 'Vis', 1, 'u', 245, 10);
select results_eq(
  $$select line_ht_cents, line_vat_cents from public.invoice_lines
    where invoice_id = 'c4000000-0000-4000-8000-0000000000d1' and position > 1 order by position$$,
  $$values (500::bigint, 28::bigint), (333::bigint, 7::bigint), (245::bigint, 25::bigint)$$,
  'line amounts are rounded half up to the cent, per line');
select results_eq(
  $$select total_ht_cents, total_vat_cents, total_ttc_cents from public.invoices where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  $$values (11078::bigint, 2060::bigint, 13138::bigint)$$, 'a multi-line insert recomputes the totals as the sum of the line amounts');
update public.invoice_lines set quantity = 2 where invoice_id = 'c4000000-0000-4000-8000-0000000000d1' and position = 1;
select is((select total_ht_cents from public.invoices where id = 'c4000000-0000-4000-8000-0000000000d1'), 21078::bigint,
  'updating a line recomputes the totals');
delete from public.invoice_lines where invoice_id = 'c4000000-0000-4000-8000-0000000000d1' and position = 4;
select is((select total_ht_cents from public.invoices where id = 'c4000000-0000-4000-8000-0000000000d1'), 20833::bigint,
  'deleting a line recomputes the totals');

select throws_ok($$update public.invoices set total_ht_cents = 1 where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  '428C9', 'Invoice totals are computed by the database from its lines', 'a client cannot write a draft''s totals');
select throws_ok($$update public.invoices set total_ttc_cents = 1 where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  '428C9', null, 'total_ttc_cents is a generated column');
select throws_ok($$update public.invoice_lines set line_ht_cents = 1 where invoice_id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  '428C9', null, 'line amounts are generated columns');
select throws_ok($$insert into public.invoices (org_id, client_id, total_ht_cents) values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 500)$$,
  '428C9', 'Invoice totals are computed by the database from its lines', 'an insert cannot bring its own totals');
select throws_ok($$insert into public.invoices (org_id, client_id, status) values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'sent')$$,
  'P0001', 'New invoices start as drafts: numbers are assigned by issue_invoice()', 'an invoice is created as a draft');
select throws_ok($$insert into public.invoices (org_id, client_id, number) values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'FAC-2026-00777')$$,
  'P0001', 'New invoices start as drafts: numbers are assigned by issue_invoice()', 'a draft cannot bring its own number');
select throws_ok($$update public.invoices set number = 'FAC-2026-00777' where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  'P0001', 'Invoice status, number and hash chain are set by issue_invoice(), mark_invoice_sent() and reconcile_payments()',
  'a draft''s number is the database''s');
select throws_ok($$update public.invoices set status = 'issued' where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  'P0001', 'Invoice status, number and hash chain are set by issue_invoice(), mark_invoice_sent() and reconcile_payments()',
  'a draft is issued only by issue_invoice()');
select throws_ok($$update public.invoices set org_id = 'a0000000-0000-4000-8000-0000000000a0' where id = 'c4000000-0000-4000-8000-0000000000d1'$$,
  'P0001', 'An invoice cannot move to another organization', 'a draft stays in its organization');
select throws_ok($$update public.invoice_lines set invoice_id = 'c4000000-0000-4000-8000-0000000000a1' where invoice_id = 'c4000000-0000-4000-8000-0000000000d1' and position = 2$$,
  'P0001', 'Invoice lines cannot move to another invoice', 'a line stays on its invoice');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents, vat_rate)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000d1', 'x', 1, 100, 7)$$,
  '23514', null, 'only the French VAT rates 20, 10, 5.5 and 2.1 are accepted');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000d1', 'x', 0, 100)$$,
  '23514', null, 'a quantity must be positive');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000d1', 'x', 1, -100)$$,
  '23514', null, 'a unit price is never negative (a credit note carries positive amounts)');
select throws_ok($$insert into public.invoice_lines (org_id, invoice_id, description, quantity, unit_price_cents)
                   values ('a0000000-0000-4000-8000-0000000000a0', 'c4000000-0000-4000-8000-0000000000d1', 'x', 1, 100)$$,
  '23503', null, 'a line cannot belong to another organization''s invoice');
select throws_ok($$select public.mark_invoice_sent('c4000000-0000-4000-8000-0000000000d1', repeat('ab12', 16))$$,
  'P0001', 'Invoice must be issued before it is sent', 'a draft cannot be marked sent');

select lives_ok($$delete from public.invoices where id = 'c4000000-0000-4000-8000-0000000000d1'$$, 'a draft can be deleted');
select is((select count(*)::int from public.invoice_lines where invoice_id = 'c4000000-0000-4000-8000-0000000000d1'), 0,
  '… with its lines');

select * from finish();
rollback;
