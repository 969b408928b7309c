-- Quotes: draft → sent → accepted | rejected | expired; numbered
-- DEV-YYYY-NNNNN when sent (gapless, like invoices); totals computed by the
-- database; frozen once sent; who may send.
begin;
select plan(30);

insert into public.organizations (id, name, legal_form, siren, vat_number, address_line1, postal_code, city, late_penalty_rate)
values ('c4000000-0000-4000-8000-0000000000f0', 'Thermique Test', 'SAS', '443061841', 'FR40443061841', '4 quai Test', '69005', 'Lyon', 10.00);
insert into public.clients (id, org_id, name, billing_address, billing_postal_code, billing_city) values
  ('c4000000-0000-4000-8000-0000000000c1', 'c4000000-0000-4000-8000-0000000000f0', 'Copropriété Test', '10 rue Client', '69007', 'Lyon');

create function pg_temp.quote(p_id uuid, p_lines boolean default true, p_org uuid default 'c4000000-0000-4000-8000-0000000000f0',
                              p_client uuid default 'c4000000-0000-4000-8000-0000000000c1') returns uuid language plpgsql as $$
begin
  insert into public.quotes (id, org_id, client_id, title) values (p_id, p_org, p_client, 'Remplacement chaudière');
  if p_lines then
    insert into public.quote_lines (org_id, quote_id, position, description, quantity, unit, unit_price_cents, vat_rate) values
      (p_org, p_id, 1, 'Chaudière à condensation', 1, 'u', 350000, 5.5),
      (p_org, p_id, 2, 'Main d''œuvre', 7.5, 'h', 6550, 10);
  end if;
  return p_id;
end $$;
create function pg_temp.year() returns text language sql as $$
  select extract(year from (now() at time zone 'Europe/Paris')::date)::text
$$;

select pg_temp.quote('c4000000-0000-4000-8000-0000000000a1');
select pg_temp.quote('c4000000-0000-4000-8000-0000000000a2');
select pg_temp.quote('c4000000-0000-4000-8000-0000000000a3');
select pg_temp.quote('c4000000-0000-4000-8000-0000000000a4');
select pg_temp.quote('c4000000-0000-4000-8000-0000000000a9', false);

-- ---------------------------------------------------------------------------
-- Totals: per line, half up; 7.5 h × 65.50 = 491.25, 10 % → 49.125 → 49.13
-- ---------------------------------------------------------------------------
select results_eq(
  $$select total_ht_cents, total_vat_cents, total_ttc_cents from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values (399125::bigint, 24163::bigint, 423288::bigint)$$,
  'quote totals are the sums of the rounded line amounts (3500.00 × 5.5 % = 192.50; 491.25 × 10 % = 49.13)');
select throws_ok($$update public.quotes set total_ht_cents = 1 where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  '428C9', 'Quote totals are computed by the database from its lines', 'a client cannot write quote totals');
select throws_ok($$insert into public.quotes (org_id, client_id, title, status) values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000c1', 'x', 'sent')$$,
  'P0001', 'New quotes start as drafts: numbers are assigned by send_quote()', 'a quote is created as a draft');
select throws_ok($$update public.quotes set number = 'DEV-2026-00042' where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Quote numbers and dates are set by send_quote()', 'a draft''s number is the database''s');
select throws_ok($$update public.quotes set status = 'accepted' where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Invalid quote transition: draft → accepted (quotes are sent with send_quote())', 'a draft cannot be accepted');
update public.quote_lines set quantity = 8 where quote_id = 'c4000000-0000-4000-8000-0000000000a1' and position = 2;
select is((select total_ht_cents from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a1'), 402400::bigint,
  'editing a draft''s line recomputes its totals');

-- ---------------------------------------------------------------------------
-- Sending: numbering (gapless, rolled back sends give their number back)
-- ---------------------------------------------------------------------------
select is(public.send_quote('c4000000-0000-4000-8000-0000000000a1') ->> 'number', 'DEV-' || pg_temp.year() || '-00001',
  'the first quote sent is DEV-YYYY-00001');
select results_eq(
  $$select status::text, issue_date, valid_until, sent_at is not null from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$select 'sent'::text, (now() at time zone 'Europe/Paris')::date, (now() at time zone 'Europe/Paris')::date + 30, true$$,
  'a sent quote is dated today and valid 30 days by default');
savepoint before_rolled_back_send;
do $$ begin perform public.send_quote('c4000000-0000-4000-8000-0000000000a2'); end $$;
rollback to savepoint before_rolled_back_send;
select is(public.send_quote('c4000000-0000-4000-8000-0000000000a3') ->> 'number', 'DEV-' || pg_temp.year() || '-00002',
  'a rolled-back send leaves no gap');
select is(public.send_quote('c4000000-0000-4000-8000-0000000000a2') ->> 'number', 'DEV-' || pg_temp.year() || '-00003',
  'the quote whose send was rolled back is numbered when sent again');
select throws_ok($$select public.send_quote('c4000000-0000-4000-8000-0000000000a9')$$,
  'P0001', 'Quote has no lines: nothing to send', 'an empty quote cannot be sent');
select throws_ok($$select public.send_quote('c4000000-0000-4000-8000-0000000000a1')$$,
  'P0001', format('Quote DEV-%s-00001 is already sent (status: sent)', pg_temp.year()), 'a quote is sent once');
update public.quotes set valid_until = (now() at time zone 'Europe/Paris')::date - 1 where id = 'c4000000-0000-4000-8000-0000000000a4';
select throws_ok($$select public.send_quote('c4000000-0000-4000-8000-0000000000a4')$$,
  'P0001', format('Quote validity date %s is already past', (now() at time zone 'Europe/Paris')::date - 1),
  'a quote whose validity is already past cannot be sent');
select is((select last_value from private.invoice_counters where org_id = 'c4000000-0000-4000-8000-0000000000f0' and series = 'DEV'),
  3::bigint, 'refused sends consumed no number');

-- ---------------------------------------------------------------------------
-- A sent quote is frozen; only the decision moves
-- ---------------------------------------------------------------------------
select throws_ok($$update public.quotes set title = 'Autre chose' where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', format('Quote DEV-%s-00001 is locked (status: sent)', pg_temp.year()), 'a sent quote cannot be edited');
select throws_ok($$update public.quotes set status = 'accepted', valid_until = valid_until + 30 where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', format('Quote DEV-%s-00001 is locked (status: sent)', pg_temp.year()), 'accepting cannot change anything else');
select throws_ok($$insert into public.quote_lines (org_id, quote_id, description, quantity, unit_price_cents)
                   values ('c4000000-0000-4000-8000-0000000000f0', 'c4000000-0000-4000-8000-0000000000a1', 'extra', 1, 100)$$,
  'P0001', format('Quote DEV-%s-00001 is locked (status: sent)', pg_temp.year()), 'no line can be added to a sent quote');
select throws_ok($$update public.quote_lines set unit_price_cents = 1 where quote_id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', format('Quote DEV-%s-00001 is locked (status: sent)', pg_temp.year()), 'the lines of a sent quote cannot change');
select throws_ok($$delete from public.quote_lines where quote_id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', format('Quote DEV-%s-00001 is locked (status: sent)', pg_temp.year()), 'nor be deleted');
select throws_ok($$delete from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', format('Quote DEV-%s-00001 is locked (status: sent)', pg_temp.year()), 'a sent quote cannot be deleted');

update public.quotes set status = 'accepted' where id = 'c4000000-0000-4000-8000-0000000000a1';
select results_eq($$select status::text, decided_at is not null from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  $$values ('accepted'::text, true)$$, 'a sent quote can be accepted; the decision is timestamped');
select throws_ok($$update public.quotes set status = 'rejected' where id = 'c4000000-0000-4000-8000-0000000000a1'$$,
  'P0001', 'Invalid quote transition: accepted → rejected', 'a decision is final');
update public.quotes set status = 'rejected' where id = 'c4000000-0000-4000-8000-0000000000a3';
select is((select status::text from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a3'), 'rejected', 'a sent quote can be rejected');

-- Past its validity a quote cannot be accepted, and the expiry job expires it.
set local session_replication_role = replica;
update public.quotes set issue_date = issue_date - 40, valid_until = valid_until - 40 where id = 'c4000000-0000-4000-8000-0000000000a2';
reset session_replication_role;
select throws_ok($$update public.quotes set status = 'accepted' where id = 'c4000000-0000-4000-8000-0000000000a2'$$,
  'P0001', format('Quote DEV-%s-00003 expired on %s: it can no longer be accepted', pg_temp.year(), (now() at time zone 'Europe/Paris')::date - 10),
  'an expired quote cannot be accepted');
select is(private.expire_quotes(), 1, 'the expiry job expires the sent quotes past their validity');
select is((select status::text from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a2'), 'expired', '… this one');

-- Drafts can be deleted, with their lines.
select lives_ok($$delete from public.quotes where id = 'c4000000-0000-4000-8000-0000000000a9'$$, 'a draft quote can be deleted');

-- ---------------------------------------------------------------------------
-- Who may send (demo organization A)
-- ---------------------------------------------------------------------------
select pg_temp.quote('c4000000-0000-4000-8000-0000000000b1', true, 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1');
select throws_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000003', 'select public.send_quote(''c4000000-0000-4000-8000-0000000000b1'')')$$,
  '42501', 'Permission denied: send_quote requires one of the roles owner, admin, dispatcher, accountant',
  'a technician cannot send quotes');
select throws_ok(
  $$select tests.as_user('b0000000-0000-4000-8000-000000000002', 'select public.send_quote(''c4000000-0000-4000-8000-0000000000b1'')')$$,
  'P0002', 'Quote c4000000-0000-4000-8000-0000000000b1 not found', 'another organization cannot see the quote');
select alike(
  tests.as_user('a0000000-0000-4000-8000-000000000002', 'select public.send_quote(''c4000000-0000-4000-8000-0000000000b1'')') ->> 'number',
  'DEV-%', 'a dispatcher sends quotes');

select * from finish();
rollback;
