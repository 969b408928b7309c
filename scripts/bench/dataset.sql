-- =============================================================================
-- Benchmark data set: field-service organizations at production scale.
--
-- INTERFACE (kept stable; the benchmark harness depends on it)
--   psql "$DB_URL" -v ON_ERROR_STOP=1 -v scale=0.1 -f scripts/bench/dataset.sql
--     scale   numeric > 0, default 1.0. The number of organizations is
--             greatest(1, round(100 * scale)); every organization has the same
--             shape, so scale 1.0 = 100 organizations = 1,000,000 missions and
--             scale 0.1 = 10 organizations = 100,000 missions.
--   Runs as a superuser (postgres): it sets session_replication_role.
--   One transaction: it loads everything or nothing. Refuses to run twice on
--   the same database (the organizations it creates would already exist).
--   Analyzes each bulk-loaded table inside the transaction before querying it
--   (statistics of the rows it has just loaded), ends with VACUUM ANALYZE of
--   the loaded tables (a visibility map) and prints a summary.
--   Everything it creates is recognisable: organization names start with
--   'Bench ', user e-mails end with '@bench.test', ids are md5-derived from
--   'bench-…' labels (deterministic: two loads at the same scale are identical
--   apart from now()-relative timestamps).
--
-- PER ORGANIZATION (× organizations)
--   16 members: owner, admin, 2 dispatchers, 10 technicians (2 on call), an
--     accountant and a client-portal user (LOCAL DEVELOPMENT password of the
--     demo data, 'terrain-demo', one bcrypt hash shared by every bench user)
--   200 clients, 400 sites
--   10,000 missions scheduled over two years (670 days back, 60 ahead),
--     titled 'Mission <i> of bench <o> <word>', <word> one of 3,000 made-up words:
--     older than 45 days: ~88 % invoiced, 8 % done, 2 % cancelled;
--     last 45 days: done, in progress, assigned and 30 blocked;
--     future: new, published, assigned (≈ 11 % in open states overall)
--   ≈ 9,600 timesheets (one per worked mission, a second on ~9 % of them);
--     approved except the last ~25 days' (→ timesheet_unapproved alerts,
--     never older than 30 days so the weekly health check stays green)
--   200 stock items × 100 movements = 20,000 movements; 10 items critical
--   2,000 issued invoices (one line each, for an invoiced mission): 1,600 paid,
--     issued 20 days after their mission; 400 unpaid (sent, every fifth
--     partially paid) issued over the last 90 days, due 30 days later
--     (→ ≈ 235 invoice_overdue alerts)
--   100 emergency requests: 30 pending (10 min to ~3.5 h old), 70 closed
--   → about 300 alerts fire on a first run of run_all_alert_checks().
--
-- HOW THE INVARIANTS HOLD WITH TRIGGERS OFF
-- Users, organizations (their alert_config is seeded by trigger), memberships,
-- clients and sites are inserted with every trigger on. The large tables are
-- loaded with session_replication_role = replica (no row triggers, no foreign
-- key triggers), so each rule those triggers enforce is built into the rows
-- and checked again at the end of this script (the transaction aborts if any
-- check fails):
--   missions       statuses reachable through mission_valid_transitions, each
--                  with its timestamps (started/blocked/completed/invoiced_at),
--                  a technician from 'assigned' on, only technicians assigned
--                  (CHECK constraints stay active in replica mode);
--                  private.search_words = their titles' words, counted (what
--                  the missions' word-list triggers keep).
--   timesheets     technician = the mission's technician; at most 2 missions
--                  × 2 lines × 4 h per technician and day (the daily 24 h cap);
--                  approved ones have approved_by = the org's admin.
--   stock          movements numbered item_seq 1..n per item, balance_after a
--                  running sum that never goes below 0, on_hand and
--                  movement_count of the item equal to the sum and the count.
--   invoices       numbered per org/series/year without gaps in issue-date
--                  order (private.invoice_counters = the last number), hash
--                  chained in the same order with the database's own
--                  private.invoice_canonical / private.invoice_legal_mentions
--                  (so public.verify_invoice_chain recomputes the same hashes),
--                  private.invoice_chain_heads = the last link; totals = lines;
--                  payments: paid = one payment of the total, partially paid =
--                  half of it.
--   foreign keys   every id is built from rows inserted here; the final checks
--                  join each foreign key back to its parent.
-- Not written (an import, not history): audit.log rows, app_events,
-- mission_status_history and payments' matched_at metadata beyond now().
-- =============================================================================

\set ON_ERROR_STOP on
\if :{?scale}
\else
  \set scale 1.0
\endif
\timing on

begin;
select pg_catalog.set_config('bench.scale', :'scale', true);

do $$
begin
  if current_setting('bench.scale') !~ '^[0-9]*\.?[0-9]+$' or current_setting('bench.scale')::numeric <= 0 then
    raise exception 'scale must be a number greater than 0 (got %)', current_setting('bench.scale') using errcode = '22023';
  end if;
  if exists (select from public.organizations where id = md5('bench-org-1')::uuid) then
    raise exception 'The bench data set is already loaded in this database: reset it first (db reset)' using errcode = '55000';
  end if;
  perform set_config('bench.orgs', greatest(1, round(100 * current_setting('bench.scale')::numeric))::text, true);
  raise notice 'bench data set: % organizations', current_setting('bench.orgs');
end;
$$;

set local synchronous_commit = off;
set local work_mem = '64MB';

-- -----------------------------------------------------------------------------
-- Users, organizations, memberships, clients, sites: small, triggers on.
-- -----------------------------------------------------------------------------
create temp table bench_orgs on commit drop as
select o,
       md5('bench-org-' || o)::uuid as org_id,
       -- A SIREN that passes the Luhn check: 8 digits and the check digit that fits.
       (select s from (select (80000000 + o)::text || d as s from generate_series(0, 9) d) x
        where private.luhn_ok(s) limit 1) as siren
from generate_series(1, current_setting('bench.orgs')::int) o;

-- Member k of an org: 0 owner, 1 admin, 2-3 dispatcher, 4-13 technician, 14 accountant, 15 client portal.
create temp table bench_members on commit drop as
select b.o, b.org_id, k,
       md5('bench-u-' || b.o || '-' || k)::uuid as user_id,
       (case when k = 0 then 'owner' when k = 1 then 'admin' when k in (2, 3) then 'dispatcher'
             when k between 4 and 13 then 'technician' when k = 14 then 'accountant' else 'client' end)::public.member_role as role
from bench_orgs b cross join generate_series(0, 15) k;

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', m.user_id, 'authenticated', 'authenticated',
       'bench-o' || m.o || '-' || m.role || m.k || '@bench.test', pw.hash, now(),
       '{"provider": "email", "providers": ["email"]}'::jsonb,
       jsonb_build_object('full_name', 'Bench ' || m.role || ' ' || m.k || ' of org ' || m.o), now(), now()
from bench_members m
cross join (select extensions.crypt('terrain-demo', extensions.gen_salt('bf', 10)) as hash) pw;

insert into public.organizations (id, name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city,
                                  address_line1, postal_code, city, email, default_payment_terms_days, late_penalty_rate)
select b.org_id, 'Bench ' || b.o, 'SAS', 1000000, b.siren, null,
       'FR' || lpad(((12 + 3 * (b.siren::bigint % 97)) % 97)::text, 2, '0') || b.siren,
       'Lyon', b.o || ' rue du Banc d''Essai', '69002', 'Lyon', 'bench-o' || b.o || '@bench.test', 30, 12.00
from bench_orgs b;

-- Companies: each has a SIREN (a mandatory mention on an invoice to a business),
-- Luhn-valid like the organizations' and below theirs (80000000 + o), so distinct.
insert into public.clients (id, org_id, name, kind, siren, email, billing_address, billing_postal_code, billing_city)
select md5('bench-c-' || b.o || '-' || c)::uuid, b.org_id, 'Client ' || c || ' of bench ' || b.o, 'company',
       (select s from (select (10000000 + b.o * 200 + c)::text || d as s from generate_series(0, 9) d) x
        where private.luhn_ok(s) limit 1),
       'client' || c || '@bench.test', c || ' avenue des Clients', '69003', 'Lyon'
from bench_orgs b cross join generate_series(0, 199) c;

insert into public.sites (id, org_id, client_id, name, address, postal_code, city)
select md5('bench-s-' || b.o || '-' || s)::uuid, b.org_id, md5('bench-c-' || b.o || '-' || (s / 2))::uuid,
       'Site ' || s, s || ' quai des Sites', '69007', 'Lyon'
from bench_orgs b cross join generate_series(0, 399) s;

insert into public.memberships (org_id, user_id, role, client_id, on_call)
select m.org_id, m.user_id, m.role,
       case when m.role = 'client' then md5('bench-c-' || m.o || '-0')::uuid end,
       m.k in (4, 5)
from bench_members m;

-- -----------------------------------------------------------------------------
-- Bulk tables: triggers off, invariants built into the rows (see header).
-- -----------------------------------------------------------------------------
set local session_replication_role = replica;

-- Missions. Mission i of an org is scheduled on day d (relative to today) and
-- belongs to technician 4 + i % 10; h is a deterministic spread in 0..99.
create temp table bench_missions on commit drop as
select b.o, b.org_id, i,
       md5('bench-m-' || b.o || '-' || i)::uuid as id,
       (i * 31) % 200 as client_no,
       ((i * 31) % 200) * 2 + i % 2 as site_no,
       md5('bench-u-' || b.o || '-' || (4 + i % 10))::uuid as technician,
       -670 + (i * 730) / 10000 as d,
       (i * 7919 + b.o * 13) % 100 as h,
       -- One of 3,000 made-up 9-letter words (letters a-p), each in ~3 of the
       -- organization's titles: a vocabulary the size of a real one for the
       -- search's word list (private.search_words), whose words share
       -- trigrams the way real ones do.
       translate(left(md5('bench-word-' || i % 3000), 9), '0123456789', 'ghijklmnop') as title_word
from bench_orgs b cross join generate_series(0, 9999) i;

alter table bench_missions add column status public.mission_status;
update bench_missions set status = case
  when d > 0 then case when h < 25 then 'new' when h < 50 then 'published' else 'assigned' end
  when d > -45 then case when i % 20 = 7 and h < 70 then 'blocked' when h < 35 then 'in_progress'
                         when h < 45 then 'assigned' else 'done' end
  else case when h < 2 then 'cancelled' when h < 10 then 'done' else 'invoiced' end
end::public.mission_status;
create index on bench_missions (o, status, i);
analyze bench_missions;

insert into public.missions (id, org_id, client_id, site_id, title, scheduled_start, scheduled_end, technician_id, status,
                             priority, started_at, blocked_at, blocked_reason, completed_at, invoiced_at, created_at, updated_at)
select m.id, m.org_id, md5('bench-c-' || m.o || '-' || m.client_no)::uuid, md5('bench-s-' || m.o || '-' || m.site_no)::uuid,
       'Mission ' || m.i || ' of bench ' || m.o || ' ' || m.title_word,
       s.start, s.start + interval '2 hours',
       case when m.status not in ('new', 'published', 'cancelled') then m.technician end,
       m.status,
       (case when m.h < 5 then 'urgent' when m.h < 20 then 'high' when m.h < 90 then 'normal' else 'low' end)::public.mission_priority,
       case when m.status in ('in_progress', 'blocked', 'done', 'invoiced') then s.start end,
       case when m.status = 'blocked' then now() - make_interval(mins => 90 + m.h * 7) end,
       case when m.status = 'blocked' then 'Waiting for a part' end,
       case when m.status in ('done', 'invoiced') then s.start + interval '2 hours' end,
       case when m.status = 'invoiced' then s.start + interval '20 days' end,
       s.start - interval '7 days',
       case when m.status = 'invoiced' then s.start + interval '20 days' else s.start end
from bench_missions m
cross join lateral (select (current_date + m.d)::timestamptz + make_interval(hours => 8 + m.i % 9) as start) s;

-- The words of the mission titles, which the missions' word-list triggers
-- (off here) would have counted.
insert into private.search_words (org_id, word, missions)
select m.org_id, w.word, count(*)::integer
from public.missions m
cross join lateral private.search_title_words(m.title) as w (word)
where m.org_id in (select org_id from bench_orgs)
group by m.org_id, w.word;

-- Timesheets: one per worked mission on its day (1-4 h), a second line of 2 h
-- on ~9 % of them; unapproved when worked in the last 25 days on a third of them.
insert into public.timesheets (id, org_id, technician_id, mission_id, work_date, hours, note, approved_by, approved_at,
                               invoiced, invoice_id, created_at, updated_at)
select md5('bench-t-' || m.o || '-' || m.i || '-' || n)::uuid, m.org_id, m.technician, m.id, current_date + m.d,
       case n when 1 then 1 + m.h % 4 else 2 end,
       null,
       case when a.approved then md5('bench-u-' || m.o || '-1')::uuid end,
       case when a.approved then (current_date + m.d + 1)::timestamptz + interval '9 hours' end,
       false, null,
       (current_date + m.d)::timestamptz + interval '18 hours', (current_date + m.d)::timestamptz + interval '18 hours'
from bench_missions m
cross join generate_series(1, 2) n
cross join lateral (select not (m.d > -25 and m.h % 3 = 0) as approved) a
where m.status in ('in_progress', 'blocked', 'done', 'invoiced')
  and m.d <= 0
  and (n = 1 or m.h % 11 = 0);

-- Stock: 200 items; movement 1 brings 50 in, then per 4 movements 3 × 3 out and
-- 10 in: the running balance never drops below 44 and ends at 78. Item j % 20 = 0
-- is critical (min_stock 200: on_hand is below half of it).
create temp table bench_movements on commit drop as
select b.o, b.org_id, j, k,
       md5('bench-i-' || b.o || '-' || j)::uuid as item_id,
       case when k = 1 or k % 4 = 0 then 'in' else 'out' end as kind,
       case when k = 1 then 50 when k % 4 = 0 then 10 else 3 end::numeric as quantity
from bench_orgs b cross join generate_series(0, 199) j cross join generate_series(1, 100) k;

insert into public.stock_items (id, org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate, on_hand,
                                movement_count, created_at, updated_at)
select md5('bench-i-' || b.o || '-' || j)::uuid, b.org_id, 'SKU-' || j, 'Part ' || j, 'u',
       case when j % 20 = 0 then 200 else 10 end, 1000 + j, 2000 + 2 * j, 20,
       t.on_hand, t.n, now() - interval '730 days', now() - interval '1 day'
from bench_orgs b cross join generate_series(0, 199) j
cross join (select sum(case when kind = 'in' then quantity else -quantity end) as on_hand, count(*) as n
            from bench_movements where o = 1 and j = 0) t;

insert into public.stock_movements (id, org_id, item_id, kind, quantity, item_seq, balance_after, reason, created_at)
select md5('bench-sm-' || v.o || '-' || v.j || '-' || v.k)::uuid, v.org_id, v.item_id, v.kind, v.quantity, v.k,
       sum(case when v.kind = 'in' then v.quantity else -v.quantity end) over (partition by v.o, v.j order by v.k),
       case when v.kind = 'in' then 'Delivery' end,
       now() - make_interval(days => 730 - v.k * 7, mins => v.j)
from bench_movements v;

-- Invoices: invoice n (1..2000) of an org bills every third invoiced mission,
-- in mission order. 1..1600 are issued 20 days after their mission and paid;
-- 1601..2000 are issued over the last 90 days and unpaid. Issue dates never
-- decrease with n, so numbering by n is chronological.
create temp table bench_invoices on commit drop as
select x.*, row_number() over (partition by x.o, extract(year from x.issue_date) order by x.n) as seq
from (
  select p.o, p.org_id, p.rn / 3 as n, p.mission_id, md5('bench-c-' || p.o || '-' || p.client_no)::uuid as client_id,
         md5('bench-inv-' || p.o || '-' || p.rn / 3)::uuid as id,
         current_date + (case when p.rn / 3 <= 1600 then p.d + 20 else -90 + ((p.rn / 3 - 1600) * 90) / 400 end)::integer as issue_date
  from (select bm.o, bm.org_id, bm.id as mission_id, bm.client_no, bm.d,
               row_number() over (partition by bm.o order by bm.i) as rn
        from bench_missions bm where bm.status = 'invoiced') p
  where p.rn % 3 = 0 and p.rn / 3 <= 2000
) x;

insert into public.invoice_lines (id, org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate, mission_id, created_at)
select md5('bench-il-' || v.o || '-' || v.n)::uuid, v.org_id, v.id, 1, 'Intervention (mission ' || v.n || ')',
       1 + v.n % 3, 'u', 8000 + (v.n * 37) % 12000, case when v.n % 4 = 0 then 10.0 else 20.0 end, v.mission_id,
       v.issue_date::timestamptz
from bench_invoices v;

-- Statistics of what this transaction has loaded so far, before anything is
-- planned against it. The tables were near empty when this transaction began;
-- without this, the planner estimates them from whatever statistics they had:
-- none, the seed's, or an autovacuum ANALYZE taken in the middle of this load
-- (it sees only the rows committed before it: 20 missions over 35,000 pages at
-- scale 1). With those, the legal mentions below looked up an invoice's
-- mission by reading every mission of the organization, 10 ms a call, 200,000
-- calls. ANALYZE in a transaction samples the rows the transaction inserted,
-- and the lock it keeps until commit stops autovacuum from analyzing these
-- tables again until then.
analyze public.organizations, public.clients, public.sites, public.memberships, public.missions,
  private.search_words, public.timesheets, public.stock_items, public.stock_movements, public.invoice_lines;

-- Staged with public.invoices' columns (generated ones as plain columns) so
-- that the database's own functions compute the legal mentions and hashes.
create temp table bench_invoice_rows on commit drop as select * from public.invoices where false;
insert into bench_invoice_rows (id, org_id, client_id, kind, series, credited_invoice_id, status, number, fiscal_year, sequence,
                                issue_date, service_date, due_date, payment_terms, total_ht_cents, total_vat_cents, total_ttc_cents,
                                legal_mentions_ok, chain_position, pdf_sha256, issued_at, sent_at, paid_at, created_at, updated_at)
select v.id, v.org_id, v.client_id, 'invoice', 'FAC', null,
       (case when v.n <= 1600 then 'paid' when v.n % 5 = 0 then 'partially_paid' else 'sent' end)::public.invoice_status,
       private.document_number('FAC', extract(year from v.issue_date)::int, v.seq),
       extract(year from v.issue_date)::int, v.seq,
       v.issue_date, v.issue_date - 1, v.issue_date + 30,
       format('Paiement à 30 jours, échéance le %s', to_char(v.issue_date + 30, 'DD/MM/YYYY')),
       l.line_ht_cents, l.line_vat_cents, l.line_ht_cents + l.line_vat_cents,
       true, v.n, md5('bench-pdf-' || v.o || '-' || v.n) || md5('bench-pdf2-' || v.o || '-' || v.n),
       v.issue_date::timestamptz + interval '10 hours', v.issue_date::timestamptz + interval '11 hours',
       case when v.n <= 1600 then (v.issue_date + 20)::timestamptz + interval '12 hours' end,
       v.issue_date::timestamptz + interval '9 hours', v.issue_date::timestamptz + interval '11 hours'
from bench_invoices v
join public.invoice_lines l on l.org_id = v.org_id and l.invoice_id = v.id;

update bench_invoice_rows r
set legal_mentions = private.invoice_legal_mentions(jsonb_populate_record(null::public.invoices, to_jsonb(r)));

-- Hash chain in chain_position order, per organization, exactly as issue_invoice() computes it.
alter table bench_invoice_rows add column canonical text;
update bench_invoice_rows r set canonical = private.invoice_canonical(jsonb_populate_record(null::public.invoices, to_jsonb(r) - 'canonical'));
do $$
declare
  r record;
  v_org uuid;
  v_prev text;
  v_ids uuid[] := '{}';
  v_prevs text[] := '{}';
  v_hashes text[] := '{}';
  v_n integer := 0;
begin
  -- Subscript assignment grows the arrays in place (appending with || would copy them every time).
  for r in select b.id, b.org_id, b.canonical from bench_invoice_rows b order by b.org_id, b.chain_position loop
    if v_org is distinct from r.org_id then
      v_org := r.org_id;
      v_prev := null;
    end if;
    v_n := v_n + 1;
    v_ids[v_n] := r.id;
    v_prevs[v_n] := v_prev;
    v_prev := encode(sha256(convert_to(coalesce(v_prev, '') || r.canonical, 'UTF8')), 'hex');
    v_hashes[v_n] := v_prev;
  end loop;
  update bench_invoice_rows b set prev_hash = h.prev_hash, row_hash = h.row_hash
  from unnest(v_ids, v_prevs, v_hashes) as h (id, prev_hash, row_hash)
  where b.id = h.id;
end;
$$;

insert into public.invoices (id, org_id, client_id, kind, credited_invoice_id, status, number, fiscal_year, sequence,
                             issue_date, service_date, due_date, payment_terms, notes, total_ht_cents, total_vat_cents,
                             legal_mentions, legal_mentions_ok, chain_position, prev_hash, row_hash, pdf_sha256,
                             issued_at, sent_at, paid_at, created_by, issued_by, created_at, updated_at)
select id, org_id, client_id, kind, credited_invoice_id, status, number, fiscal_year, sequence,
       issue_date, service_date, due_date, payment_terms, notes, total_ht_cents, total_vat_cents,
       legal_mentions, legal_mentions_ok, chain_position, prev_hash, row_hash, pdf_sha256,
       issued_at, sent_at, paid_at, created_by, issued_by, created_at, updated_at
from bench_invoice_rows;

insert into private.invoice_counters (org_id, series, fiscal_year, last_value)
select org_id, 'FAC', fiscal_year, max(sequence) from bench_invoice_rows group by org_id, fiscal_year;

insert into private.invoice_chain_heads (org_id, last_position, last_invoice_id, last_row_hash)
select distinct on (org_id) org_id, chain_position, id, row_hash
from bench_invoice_rows order by org_id, chain_position desc;

insert into public.payments (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref, created_at, matched_at)
select md5('bench-p-' || r.id)::uuid, r.org_id, r.id,
       case when r.status = 'paid' then r.total_ttc_cents else r.total_ttc_cents / 2 end,
       'transfer', r.issue_date + 20, 'VIR-' || r.number, (r.issue_date + 20)::timestamptz, (r.issue_date + 20)::timestamptz
from bench_invoice_rows r
where r.status in ('paid', 'partially_paid');

-- Emergencies: 30 pending per org (10 minutes to ~3.5 hours old), 70 closed.
insert into public.emergency_requests (id, org_id, client_id, site_id, severity, description, status, source,
                                       created_at, acknowledged_at, closed_at, updated_at)
select md5('bench-e-' || b.o || '-' || e)::uuid, b.org_id, md5('bench-c-' || b.o || '-' || (e % 200))::uuid,
       md5('bench-s-' || b.o || '-' || ((e % 200) * 2))::uuid,
       (case e % 4 when 0 then 'critical' when 1 then 'high' when 2 then 'medium' else 'low' end)::public.emergency_severity,
       'No heating in building ' || e,
       (case when e < 30 then 'pending' else 'closed' end)::public.emergency_status,
       'portal',
       case when e < 30 then now() - make_interval(mins => 10 + e * 7) else now() - make_interval(days => e) end,
       case when e >= 30 then now() - make_interval(days => e) + interval '10 minutes' end,
       case when e >= 30 then now() - make_interval(days => e) + interval '3 hours' end,
       case when e < 30 then now() - make_interval(mins => 10 + e * 7) else now() - make_interval(days => e) + interval '3 hours' end
from bench_orgs b cross join generate_series(0, 99) e;

set local session_replication_role = origin;

-- The rest of the load, analyzed for the checks below (same reason as above).
analyze public.invoices, public.payments, public.emergency_requests, private.invoice_counters,
  private.invoice_chain_heads;

-- -----------------------------------------------------------------------------
-- Checks of what the disabled triggers would have enforced (abort on failure).
-- -----------------------------------------------------------------------------
do $$
declare
  v_bad bigint;
  v_orgs uuid[] := array(select org_id from bench_orgs);
begin
  -- Foreign keys of the bulk tables.
  select count(*) into v_bad from public.missions m
  where m.org_id = any (v_orgs) and (
    not exists (select from public.sites s where s.org_id = m.org_id and s.client_id = m.client_id and s.id = m.site_id)
    or (m.technician_id is not null and not exists (select from public.memberships x
        where x.org_id = m.org_id and x.user_id = m.technician_id and x.role = 'technician')));
  if v_bad > 0 then raise exception 'bench: % missions with a dangling site or technician', v_bad; end if;

  select count(*) into v_bad from public.timesheets t
  where t.org_id = any (v_orgs) and not exists (select from public.missions m
        where m.org_id = t.org_id and m.id = t.mission_id and m.technician_id = t.technician_id);
  if v_bad > 0 then raise exception 'bench: % timesheets not on their technician''s mission', v_bad; end if;

  select count(*) into v_bad from (
    select t.org_id, t.technician_id, t.work_date from public.timesheets t where t.org_id = any (v_orgs)
    group by 1, 2, 3 having sum(t.hours) > 24) x;
  if v_bad > 0 then raise exception 'bench: % technician-days over 24 h', v_bad; end if;

  -- Stock: on_hand = sum of deltas, movement_count = count, running balance >= 0, seq gapless.
  select count(*) into v_bad from public.stock_items i
  left join (select org_id, item_id, sum(delta) as s, count(*) as n, max(item_seq) as mx, min(balance_after) as lo
             from public.stock_movements where org_id = any (v_orgs) group by 1, 2) v
    on v.org_id = i.org_id and v.item_id = i.id
  where i.org_id = any (v_orgs)
    and (i.on_hand <> coalesce(v.s, 0) or i.movement_count <> coalesce(v.n, 0) or v.mx <> v.n or v.lo < 0);
  if v_bad > 0 then raise exception 'bench: % stock items whose on_hand or ledger disagree', v_bad; end if;

  -- Invoices: totals = lines, gapless numbering per series and year, chain heads and counters.
  select count(*) into v_bad from public.invoices i
  join (select org_id, invoice_id, sum(line_ht_cents) as ht, sum(line_vat_cents) as vat
        from public.invoice_lines where org_id = any (v_orgs) group by 1, 2) l on l.org_id = i.org_id and l.invoice_id = i.id
  where i.org_id = any (v_orgs) and (i.total_ht_cents, i.total_vat_cents) <> (l.ht, l.vat);
  if v_bad > 0 then raise exception 'bench: % invoices whose totals differ from their lines', v_bad; end if;

  select count(*) into v_bad from (
    select org_id, fiscal_year from public.invoices where org_id = any (v_orgs)
    group by 1, 2 having max(sequence) <> count(*) or min(sequence) <> 1) x;
  if v_bad > 0 then raise exception 'bench: % (org, year) numberings with a gap', v_bad; end if;

  select count(*) into v_bad from (
    select org_id, issue_date, lag(issue_date) over (partition by org_id order by chain_position) as prev
    from public.invoices where org_id = any (v_orgs)) x
  where x.issue_date < x.prev;
  if v_bad > 0 then raise exception 'bench: % invoices out of chronological order', v_bad; end if;

  select count(*) into v_bad from private.invoice_counters c
  where c.org_id = any (v_orgs) and c.last_value <> (select max(i.sequence) from public.invoices i
        where i.org_id = c.org_id and i.series = c.series and i.fiscal_year = c.fiscal_year);
  if v_bad > 0 then raise exception 'bench: % invoice counters behind their numbering', v_bad; end if;

  -- The full hash chain of the first organization (the other ones are built by the same statement).
  select count(*) into v_bad from public.verify_invoice_chain(v_orgs[1]) v where not v.ok;
  if v_bad > 0 then raise exception 'bench: the invoice hash chain of % does not verify', v_orgs[1]; end if;
end;
$$;

commit;

vacuum analyze auth.users, public.organizations, public.memberships, public.clients, public.sites, public.missions,
  public.timesheets, public.stock_items, public.stock_movements, public.invoices, public.invoice_lines, public.payments,
  public.emergency_requests, private.invoice_counters, private.invoice_chain_heads, private.search_words;

select 'organizations' as what, count(*) from public.organizations where name like 'Bench %'
union all select 'missions', count(*) from public.missions
union all select 'open missions', count(*) from public.missions where status in ('new', 'published', 'assigned', 'in_progress', 'blocked')
union all select 'timesheets', count(*) from public.timesheets
union all select 'stock movements', count(*) from public.stock_movements
union all select 'invoices', count(*) from public.invoices
union all select 'unpaid invoices', count(*) from public.invoices where status in ('sent', 'partially_paid')
union all select 'pending emergencies', count(*) from public.emergency_requests where status = 'pending';
