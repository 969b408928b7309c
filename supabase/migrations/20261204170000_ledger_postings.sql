-- Double-entry postings of invoicing facts, written by the database where the
-- facts happen (README.md, "Accounting"):
--   * issuing an invoice       → journal VT: debit 411 (client's auxiliary
--     account), credit 706 services / 707 goods, credit 44571 VAT collected;
--   * issuing a credit note    → journal AV: the reverse, on 709 (rebates
--     granted) for the amount before VAT;
--   * a payment matched to an invoice → journal BQ: debit 512, credit 411.
-- An organization that pays VAT on receipts for services ("TVA sur les
-- encaissements", CGI art. 269-2-c) books the VAT of its service lines on
-- 44574 (VAT to collect) at invoicing, and moves the paid share to 44571 with
-- each payment. Goods are always taxed on delivery (44571 at invoicing).
-- A line tied to a stock item is goods; every other line is a service.
--
-- Entries are never edited: corrections are new entries (a credit note, a new
-- payment). Each journal (VT, AV, BQ) numbers its entries per organization and
-- fiscal year without gaps, from a counter row incremented under a lock in the
-- posting transaction, as invoice numbers are (private.next_document_sequence).
-- The fiscal year is the calendar year of the entry date.
--
-- Lettering: once an invoice's 411 lines (the invoice, its credit notes and
-- its payments) balance, they get one lettering code and date.

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('ledger_unbalanced', 409, '23514',
   'A ledger entry must have at least two lines and its debits must equal its credits.');

-- Per-organization settings and account mapping (plan comptable général
-- defaults). Private: changed through set_accounting_settings() by an owner or
-- admin; read by the posting functions.
create table private.accounting_settings (
  org_id                 uuid primary key references public.organizations (id) on delete cascade,
  vat_on_receipts        boolean not null default false,
  account_clients        text not null default '411',
  account_services       text not null default '706',
  account_goods          text not null default '707',
  account_rebates        text not null default '709',
  account_vat_collected  text not null default '44571',
  account_vat_pending    text not null default '44574',
  account_bank           text not null default '512',
  -- Last auxiliary client account and last lettering code handed out.
  last_client_aux        bigint not null default 0 check (last_client_aux >= 0),
  last_lettering         bigint not null default 0 check (last_lettering >= 0),
  updated_at             timestamptz not null default now(),
  -- Each account stays in its class of the plan comptable.
  constraint accounting_settings_clients check (account_clients ~ '^411[0-9]{0,7}$'),
  constraint accounting_settings_services check (account_services ~ '^706[0-9]{0,7}$'),
  constraint accounting_settings_goods check (account_goods ~ '^707[0-9]{0,7}$'),
  constraint accounting_settings_rebates check (account_rebates ~ '^709[0-9]{0,7}$'),
  constraint accounting_settings_vat_collected check (account_vat_collected ~ '^4457[0-9]{1,6}$'),
  constraint accounting_settings_vat_pending check (account_vat_pending ~ '^4457[0-9]{1,6}$'),
  constraint accounting_settings_vat_distinct check (account_vat_collected <> account_vat_pending),
  constraint accounting_settings_bank check (account_bank ~ '^51[0-9]{1,8}$')
);
alter table private.accounting_settings enable row level security;
comment on table private.accounting_settings is
  'Per-organization accounting settings: VAT on receipts for services, and the accounts postings use (plan comptable defaults). Its row lock serializes an organization''s postings.';

-- One auxiliary account per client (CompAuxNum in the FEC), stable forever.
create table private.ledger_client_accounts (
  org_id     uuid not null references public.organizations (id) on delete cascade,
  client_id  uuid not null,
  aux_number text not null check (aux_number ~ '^C[0-9]{5,}$'),
  primary key (org_id, client_id),
  unique (org_id, aux_number),
  foreign key (org_id, client_id) references public.clients (org_id, id)
);
alter table private.ledger_client_accounts enable row level security;
comment on table private.ledger_client_accounts is 'Auxiliary account of each client in the 411 ledger (C00001, C00002…), assigned at the client''s first posting.';

create table private.ledger_journal_counters (
  org_id       uuid not null references public.organizations (id) on delete cascade,
  journal_code text not null check (journal_code in ('VT', 'AV', 'BQ')),
  fiscal_year  integer not null check (fiscal_year between 2000 and 2999),
  last_value   bigint not null default 0 check (last_value >= 0),
  primary key (org_id, journal_code, fiscal_year)
);
alter table private.ledger_journal_counters enable row level security;
comment on table private.ledger_journal_counters is 'Last entry number per organization, journal and fiscal year; incremented under a row lock in the posting transaction: gapless, never reused.';

create table public.ledger_entries (
  id           uuid primary key default gen_random_uuid(),
  -- No cascade: accounting records are kept ten years (C. com. L123-22).
  org_id       uuid not null references public.organizations (id),
  journal_code text not null check (journal_code in ('VT', 'AV', 'BQ')),
  fiscal_year  integer not null,
  entry_number bigint not null check (entry_number >= 1),
  entry_date   date not null,
  piece_ref    text not null check (length(piece_ref) between 1 and 200),
  piece_date   date not null,
  label        text not null check (length(label) between 1 and 500),
  invoice_id   uuid,
  payment_id   uuid,
  -- Clock time under the journal's lock: the validation order.
  validated_at timestamptz not null default pg_catalog.clock_timestamp(),
  constraint ledger_entries_fiscal_year check (fiscal_year = extract(year from entry_date)),
  constraint ledger_entries_number_key unique (org_id, journal_code, fiscal_year, entry_number),
  constraint ledger_entries_org_id_id_key unique (org_id, id),
  constraint ledger_entries_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id),
  constraint ledger_entries_payment_fkey foreign key (org_id, payment_id) references public.payments (org_id, id)
);
create index ledger_entries_validation_idx on public.ledger_entries (org_id, fiscal_year, validated_at);
create index ledger_entries_invoice_idx on public.ledger_entries (org_id, invoice_id) where invoice_id is not null;
create index ledger_entries_payment_idx on public.ledger_entries (org_id, payment_id) where payment_id is not null;
comment on table public.ledger_entries is
  'Accounting entries (journals VT sales, AV credit notes, BQ bank), posted by the database when invoices are issued and payments matched; numbered gaplessly per journal and fiscal year; never changed nor removed.';

create table public.ledger_lines (
  id             uuid primary key default gen_random_uuid(),
  org_id         uuid not null,
  entry_id       uuid not null,
  line_number    integer not null check (line_number >= 1),
  account_number text not null check (account_number ~ '^[1-7][0-9]{2,9}$'),
  account_label  text not null check (length(account_label) between 1 and 200),
  -- The client's auxiliary account, on 411 lines only.
  aux_number     text check (char_length(aux_number) <= 20),
  aux_label      text check (char_length(aux_label) <= 200),
  label          text not null check (length(label) between 1 and 500),
  debit_cents    bigint not null default 0,
  credit_cents   bigint not null default 0,
  -- The invoice this line settles or belongs to (lettering groups by it).
  invoice_id     uuid,
  lettering_code text check (lettering_code ~ '^[A-Z]{1,10}$'),
  lettering_date date,
  constraint ledger_lines_one_side check ((debit_cents > 0 and credit_cents = 0) or (credit_cents > 0 and debit_cents = 0)),
  constraint ledger_lines_aux check ((aux_number is null) = (aux_label is null)),
  constraint ledger_lines_lettering check ((lettering_code is null) = (lettering_date is null)),
  constraint ledger_lines_entry_line_key unique (entry_id, line_number),
  constraint ledger_lines_entry_fkey foreign key (org_id, entry_id) references public.ledger_entries (org_id, id),
  constraint ledger_lines_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id)
);
-- The policy filters on org_id, the foreign key and the balance check read an
-- entry's lines; lettering reads an invoice's open 411 lines.
create index ledger_lines_entry_idx on public.ledger_lines (org_id, entry_id);
create index ledger_lines_invoice_idx on public.ledger_lines (org_id, invoice_id, account_number) where invoice_id is not null;
comment on table public.ledger_lines is
  'Lines of ledger entries, in integer cents: exactly one of debit and credit is positive; each entry balances (checked at commit). Only lettering (code and date, set once) ever changes.';

-- ---------------------------------------------------------------------------
-- Guards: append-only, balanced at commit.
-- ---------------------------------------------------------------------------

-- BEFORE UPDATE OR DELETE on ledger_entries, and on ledger_lines except the
-- lettering move: the lettering context (transaction-local setting
-- terrain.ledger_op) is honoured only for trusted code (not SECURITY DEFINER
-- on purpose: an API role that sets the setting is still anon/authenticated).
create function private.guard_ledger_changes() returns trigger
  language plpgsql
  set search_path = ''
as $$
declare
  v_op text := case when current_user::text not in ('anon', 'authenticated')
                    then coalesce(pg_catalog.current_setting('terrain.ledger_op', true), '') else '' end;
begin
  -- Read through jsonb: one function guards both tables, and a ledger_entries
  -- record has no lettering fields to name.
  if tg_op = 'UPDATE' and tg_table_name = 'ledger_lines' and v_op = 'lettering'
     and pg_catalog.to_jsonb(old) ->> 'lettering_code' is null
     and pg_catalog.to_jsonb(new) ->> 'lettering_code' is not null
     and pg_catalog.to_jsonb(new) ->> 'lettering_date' is not null
     and (pg_catalog.to_jsonb(new) - array['lettering_code', 'lettering_date'])
         = (pg_catalog.to_jsonb(old) - array['lettering_code', 'lettering_date']) then
    return new;
  end if;
  perform private.raise_api_error('append_only',
    pg_catalog.format('Ledger %s are never changed nor removed (%s refused): post a correcting entry instead',
                      pg_catalog.replace(tg_table_name, 'ledger_', ''), tg_op));
  return null; -- not reached: raise_api_error never returns
end;
$$;
revoke all on function private.guard_ledger_changes() from public;

create trigger ledger_entries_10_append_only before update or delete on public.ledger_entries
  for each row execute function private.guard_ledger_changes();
create trigger ledger_lines_10_append_only before update or delete on public.ledger_lines
  for each row execute function private.guard_ledger_changes();

create function private.refuse_ledger_truncate() returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  perform private.raise_api_error('append_only', pg_catalog.format('%s is append-only (TRUNCATE refused)', tg_table_name));
  return null;
end;
$$;
revoke all on function private.refuse_ledger_truncate() from public;
create trigger ledger_entries_11_no_truncate before truncate on public.ledger_entries
  for each statement execute function private.refuse_ledger_truncate();
create trigger ledger_lines_11_no_truncate before truncate on public.ledger_lines
  for each statement execute function private.refuse_ledger_truncate();

-- Deferred to commit, when every line of the entry is written: at least two
-- lines, debits = credits. Fires for a new entry and for any line added later.
create function private.check_ledger_entry_balanced() returns trigger
  language plpgsql
  set search_path = ''
as $$
declare
  -- The entry's id, or the line's entry (a record has only its table's fields).
  v_entry_id uuid := (pg_catalog.to_jsonb(new) ->> case tg_table_name when 'ledger_entries' then 'id' else 'entry_id' end)::uuid;
  v_lines    bigint;
  v_debit    bigint;
  v_credit   bigint;
begin
  select count(*), coalesce(sum(l.debit_cents), 0), coalesce(sum(l.credit_cents), 0)
  into v_lines, v_debit, v_credit
  from public.ledger_lines l
  where l.org_id = new.org_id and l.entry_id = v_entry_id;
  if v_lines < 2 or v_debit <> v_credit then
    perform private.raise_api_error('ledger_unbalanced',
      pg_catalog.format('Ledger entry %s is unbalanced: %s line(s), debit %s, credit %s',
                        v_entry_id, v_lines, private.format_cents(v_debit), private.format_cents(v_credit)));
  end if;
  return null;
end;
$$;
revoke all on function private.check_ledger_entry_balanced() from public;

create constraint trigger ledger_entries_20_balanced after insert on public.ledger_entries
  deferrable initially deferred for each row execute function private.check_ledger_entry_balanced();
create constraint trigger ledger_lines_20_balanced after insert on public.ledger_lines
  deferrable initially deferred for each row execute function private.check_ledger_entry_balanced();

-- Read by the organization's owner, admin and accountant; written only by the
-- posting functions below (no write grant, no write policy).
alter table public.ledger_entries enable row level security;
alter table public.ledger_lines enable row level security;
create policy ledger_entries_select on public.ledger_entries for select to authenticated using (
  org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]))::uuid[]));
create policy ledger_lines_select on public.ledger_lines for select to authenticated using (
  org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]))::uuid[]));
grant select on table public.ledger_entries, public.ledger_lines to authenticated, service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.ledger_entries', 'owner', 'select', 'org', 'Posted by the database (issue_invoice, payments); never written through the API.'),
  ('public.ledger_entries', 'admin', 'select', 'org', 'Posted by the database (issue_invoice, payments); never written through the API.'),
  ('public.ledger_entries', 'accountant', 'select', 'org', 'Posted by the database (issue_invoice, payments); never written through the API.'),
  ('public.ledger_lines', 'owner', 'select', 'org', 'Posted with their entry; only lettering changes, set by the database.'),
  ('public.ledger_lines', 'admin', 'select', 'org', 'Posted with their entry; only lettering changes, set by the database.'),
  ('public.ledger_lines', 'accountant', 'select', 'org', 'Posted with their entry; only lettering changes, set by the database.');

-- ---------------------------------------------------------------------------
-- Posting helpers
-- ---------------------------------------------------------------------------

-- The organization's settings row, created with the defaults the first time,
-- locked FOR UPDATE: every posting of an organization takes this lock first,
-- so postings (and their auxiliary accounts and lettering codes) serialize in
-- one order and never deadlock with each other.
create function private.lock_accounting_settings(p_org_id uuid) returns private.accounting_settings
  language plpgsql
  set search_path = ''
as $$
declare
  v_settings private.accounting_settings;
begin
  insert into private.accounting_settings (org_id) values (p_org_id) on conflict (org_id) do nothing;
  select * into v_settings from private.accounting_settings s where s.org_id = p_org_id for update;
  return v_settings;
end;
$$;
revoke all on function private.lock_accounting_settings(uuid) from public;

create function private.client_aux_number(p_org_id uuid, p_client_id uuid) returns text
  language plpgsql
  set search_path = ''
as $$
declare
  v_aux text;
  v_n   bigint;
begin
  select a.aux_number into v_aux from private.ledger_client_accounts a
  where a.org_id = p_org_id and a.client_id = p_client_id;
  if found then
    return v_aux;
  end if;
  -- The settings row is locked by the caller (lock_accounting_settings).
  update private.accounting_settings s set last_client_aux = s.last_client_aux + 1
  where s.org_id = p_org_id
  returning s.last_client_aux into v_n;
  v_aux := 'C' || pg_catalog.lpad(v_n::text, greatest(5, length(v_n::text)), '0');
  insert into private.ledger_client_accounts (org_id, client_id, aux_number) values (p_org_id, p_client_id, v_aux);
  return v_aux;
end;
$$;
revoke all on function private.client_aux_number(uuid, uuid) from public;

create function private.next_ledger_entry_number(p_org_id uuid, p_journal text, p_fiscal_year integer) returns bigint
  language plpgsql
  set search_path = ''
as $$
declare
  v_next bigint;
begin
  -- ON CONFLICT DO NOTHING waits for a concurrent creator of the same row.
  insert into private.ledger_journal_counters (org_id, journal_code, fiscal_year)
  values (p_org_id, p_journal, p_fiscal_year)
  on conflict (org_id, journal_code, fiscal_year) do nothing;
  update private.ledger_journal_counters c
  set last_value = c.last_value + 1
  where c.org_id = p_org_id and c.journal_code = p_journal and c.fiscal_year = p_fiscal_year
  returning c.last_value into v_next;
  return v_next;
end;
$$;
revoke all on function private.next_ledger_entry_number(uuid, text, integer) from public;

-- 1 → A, 26 → Z, 27 → AA (bijective base 26).
create function private.lettering_code(p_n bigint) returns text
  language plpgsql immutable strict
  set search_path = ''
as $$
declare
  v_n    bigint := p_n;
  v_code text := '';
begin
  while v_n > 0 loop
    v_code := pg_catalog.chr(65 + ((v_n - 1) % 26)::integer) || v_code;
    v_n := (v_n - 1) / 26;
  end loop;
  return v_code;
end;
$$;
revoke all on function private.lettering_code(bigint) from public;

create function private.account_label(p_settings private.accounting_settings, p_account text) returns text
  language sql immutable
  set search_path = ''
as $$
  select case p_account
    when p_settings.account_clients then 'Clients'
    when p_settings.account_services then 'Prestations de services'
    when p_settings.account_goods then 'Ventes de marchandises'
    when p_settings.account_rebates then 'Rabais, remises et ristournes accordés'
    when p_settings.account_vat_collected then 'TVA collectée'
    when p_settings.account_vat_pending then 'TVA à régulariser (encaissements)'
    when p_settings.account_bank then 'Banque'
  end
$$;
revoke all on function private.account_label(private.accounting_settings, text) from public;

-- Letters an invoice's open 411 lines once they balance (the invoice, its
-- credit notes, its payments): one new code, the given date.
create function private.letter_invoice(p_org_id uuid, p_invoice_id uuid, p_date date) returns text
  language plpgsql
  set search_path = ''
as $$
declare
  v_settings private.accounting_settings;
  v_open     bigint;
  v_balance  bigint;
  v_n        bigint;
  v_code     text;
begin
  select * into v_settings from private.accounting_settings s where s.org_id = p_org_id;
  select count(*), coalesce(sum(l.debit_cents - l.credit_cents), 0) into v_open, v_balance
  from public.ledger_lines l
  where l.org_id = p_org_id and l.invoice_id = p_invoice_id
    and l.account_number = v_settings.account_clients and l.lettering_code is null;
  if v_open < 2 or v_balance <> 0 then
    return null;
  end if;
  update private.accounting_settings s set last_lettering = s.last_lettering + 1
  where s.org_id = p_org_id
  returning s.last_lettering into v_n;
  v_code := private.lettering_code(v_n);
  perform pg_catalog.set_config('terrain.ledger_op', 'lettering', true);
  update public.ledger_lines l set lettering_code = v_code, lettering_date = p_date
  where l.org_id = p_org_id and l.invoice_id = p_invoice_id
    and l.account_number = v_settings.account_clients and l.lettering_code is null;
  perform pg_catalog.set_config('terrain.ledger_op', '', true);
  return v_code;
end;
$$;
revoke all on function private.letter_invoice(uuid, uuid, date) from public;

-- Posts an issued invoice (VT) or credit note (AV). Returns the entry id, or
-- null for a document of zero total (nothing to post).
create function private.post_invoice(p_invoice_id uuid) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_inv      public.invoices;
  v_settings private.accounting_settings;
  v_client   text;
  v_aux      text;
  v_journal  text;
  v_entry_id uuid;
  v_label    text;
  v_settles  uuid;
  v_credit   boolean;
begin
  select * into v_inv from public.invoices i where i.id = p_invoice_id;
  if v_inv.total_ht_cents + v_inv.total_vat_cents = 0 then
    return null;
  end if;
  v_settings := private.lock_accounting_settings(v_inv.org_id);
  select c.name into v_client from public.clients c where c.org_id = v_inv.org_id and c.id = v_inv.client_id;
  v_aux := private.client_aux_number(v_inv.org_id, v_inv.client_id);
  v_credit := v_inv.kind = 'credit_note';
  v_journal := case when v_credit then 'AV' else 'VT' end;
  v_settles := case when v_credit then v_inv.credited_invoice_id else v_inv.id end;
  v_label := pg_catalog.left(pg_catalog.format('%s %s %s', case when v_credit then 'Avoir' else 'Facture' end,
                                               v_inv.number, v_client), 500);

  insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, invoice_id)
  values (v_inv.org_id, v_journal, v_inv.fiscal_year,
          private.next_ledger_entry_number(v_inv.org_id, v_journal, v_inv.fiscal_year),
          v_inv.issue_date, v_inv.number, v_inv.issue_date, v_label, v_inv.id)
  returning id into v_entry_id;

  -- Amounts per account: the client's total, then the amounts before VAT by
  -- nature, then VAT by account. A credit note swaps debit and credit.
  with totals as (
    select coalesce(sum(l.line_ht_cents) filter (where l.stock_item_id is null), 0) as services_ht,
           coalesce(sum(l.line_ht_cents) filter (where l.stock_item_id is not null), 0) as goods_ht,
           coalesce(sum(l.line_vat_cents) filter (where l.stock_item_id is null), 0) as services_vat,
           coalesce(sum(l.line_vat_cents) filter (where l.stock_item_id is not null), 0) as goods_vat
    from public.invoice_lines l
    where l.org_id = v_inv.org_id and l.invoice_id = v_inv.id
  ),
  amounts (ord, account, aux, client_side, cents) as (
    select 1, v_settings.account_clients, v_aux, true, t.services_ht + t.goods_ht + t.services_vat + t.goods_vat from totals t
    union all
    select 2, case when v_credit then v_settings.account_rebates else v_settings.account_services end, null, false,
           case when v_credit then t.services_ht + t.goods_ht else t.services_ht end from totals t
    union all
    select 3, v_settings.account_goods, null, false, t.goods_ht from totals t where not v_credit
    union all
    select 4, v_settings.account_vat_collected, null, false,
           t.goods_vat + case when v_settings.vat_on_receipts then 0 else t.services_vat end from totals t
    union all
    select 5, v_settings.account_vat_pending, null, false, t.services_vat from totals t where v_settings.vat_on_receipts
  )
  insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, aux_number, aux_label,
                                   label, debit_cents, credit_cents, invoice_id)
  select v_inv.org_id, v_entry_id, row_number() over (order by a.ord), a.account,
         private.account_label(v_settings, a.account), a.aux, case when a.aux is not null then pg_catalog.left(v_client, 200) end,
         v_label,
         case when a.client_side <> v_credit then a.cents else 0 end,
         case when a.client_side <> v_credit then 0 else a.cents end,
         v_settles
  from amounts a
  where a.cents > 0;

  if v_credit then
    perform private.letter_invoice(v_inv.org_id, v_settles, v_inv.issue_date);
  end if;
  return v_entry_id;
end;
$$;
revoke all on function private.post_invoice(uuid) from public;

-- Posts a payment matched to an invoice (BQ): debit bank, credit the client.
-- With VAT on receipts, the share of the invoice's pending service VAT that
-- the payments received so far cover moves from 44574 to 44571 (computed on
-- the running total, so rounding never drifts and the last payment moves the
-- rest). Then letters the invoice if it is settled.
create function private.post_payment(p_payment_id uuid) returns uuid
  language plpgsql
  set search_path = ''
as $$
declare
  v_pay      public.payments;
  v_inv      public.invoices;
  v_settings private.accounting_settings;
  v_client   text;
  v_aux      text;
  v_entry_id uuid;
  v_label    text;
  v_year     integer;
  v_pending  bigint := 0;
  v_due      bigint;
  v_received bigint;
  v_moved    bigint;
  v_transfer bigint := 0;
begin
  select * into v_pay from public.payments p where p.id = p_payment_id;
  select * into v_inv from public.invoices i where i.org_id = v_pay.org_id and i.id = v_pay.invoice_id;
  v_settings := private.lock_accounting_settings(v_pay.org_id);
  select c.name into v_client from public.clients c where c.org_id = v_inv.org_id and c.id = v_inv.client_id;
  v_aux := private.client_aux_number(v_inv.org_id, v_inv.client_id);
  v_year := extract(year from v_pay.paid_on);
  v_label := pg_catalog.left(pg_catalog.format('Règlement %s %s', v_inv.number, v_client), 500);

  if v_settings.vat_on_receipts then
    -- Service VAT of the invoice net of its issued credit notes, amount due, received so far.
    select coalesce(sum(case when d.kind = 'credit_note' then -l.line_vat_cents else l.line_vat_cents end), 0)
    into v_pending
    from public.invoices d
    join public.invoice_lines l on l.org_id = d.org_id and l.invoice_id = d.id
    where d.org_id = v_inv.org_id and (d.id = v_inv.id or (d.credited_invoice_id = v_inv.id and d.status <> 'draft'))
      and l.stock_item_id is null;
    select v_inv.total_ttc_cents - coalesce(sum(c.total_ttc_cents), 0) into v_due
    from public.invoices c
    where c.org_id = v_inv.org_id and c.credited_invoice_id = v_inv.id and c.kind = 'credit_note' and c.status <> 'draft';
    select coalesce(sum(p.amount_cents), 0) into v_received
    from public.payments p where p.org_id = v_inv.org_id and p.invoice_id = v_inv.id;
    select coalesce(sum(l.debit_cents), 0) into v_moved
    from public.ledger_entries e
    join public.ledger_lines l on l.org_id = e.org_id and l.entry_id = e.id
    where e.org_id = v_inv.org_id and e.invoice_id = v_inv.id and e.journal_code = 'BQ'
      and l.account_number = v_settings.account_vat_pending;
    v_transfer := greatest(0, case when v_due <= 0 then v_pending
                                   else round(v_pending::numeric * least(v_received, v_due) / v_due)::bigint end - v_moved);
  end if;

  insert into public.ledger_entries (org_id, journal_code, fiscal_year, entry_number, entry_date, piece_ref, piece_date, label, invoice_id, payment_id)
  values (v_pay.org_id, 'BQ', v_year, private.next_ledger_entry_number(v_pay.org_id, 'BQ', v_year),
          v_pay.paid_on, pg_catalog.left(coalesce(v_pay.external_ref, v_inv.number), 200), v_pay.paid_on, v_label, v_inv.id, v_pay.id)
  returning id into v_entry_id;

  insert into public.ledger_lines (org_id, entry_id, line_number, account_number, account_label, aux_number, aux_label,
                                   label, debit_cents, credit_cents, invoice_id)
  select v_pay.org_id, v_entry_id, row_number() over (order by x.ord), x.account, private.account_label(v_settings, x.account),
         x.aux, case when x.aux is not null then pg_catalog.left(v_client, 200) end, v_label, x.debit, x.credit, v_inv.id
  from (values
    (1, v_settings.account_bank, null::text, v_pay.amount_cents, 0::bigint),
    (2, v_settings.account_clients, v_aux, 0::bigint, v_pay.amount_cents),
    (3, v_settings.account_vat_pending, null::text, v_transfer, 0::bigint),
    (4, v_settings.account_vat_collected, null::text, 0::bigint, v_transfer)
  ) as x (ord, account, aux, debit, credit)
  where x.debit > 0 or x.credit > 0;

  perform private.letter_invoice(v_pay.org_id, v_inv.id, v_pay.paid_on);
  return v_entry_id;
end;
$$;
revoke all on function private.post_payment(uuid) from public;

-- ---------------------------------------------------------------------------
-- Where the facts happen
-- ---------------------------------------------------------------------------

-- AFTER UPDATE on invoices: the issuing update (draft → issued) posts.
create function private.post_issued_invoice() returns trigger
  language plpgsql security definer
  set search_path = ''
as $$
begin
  perform private.post_invoice(new.id);
  return null;
end;
$$;
revoke all on function private.post_issued_invoice() from public;
create trigger invoices_50_ledger after update of status on public.invoices
  for each row when (old.status = 'draft' and new.status = 'issued')
  execute function private.post_issued_invoice();

-- AFTER INSERT OR UPDATE on payments: a payment recorded against an invoice,
-- or an imported one matched later, posts once (guard_payments allows the
-- invoice to be set only once).
create function private.post_matched_payment() returns trigger
  language plpgsql security definer
  set search_path = ''
as $$
begin
  perform private.post_payment(new.id);
  return null;
end;
$$;
revoke all on function private.post_matched_payment() from public;
create trigger payments_50_ledger_insert after insert on public.payments
  for each row when (new.invoice_id is not null)
  execute function private.post_matched_payment();
create trigger payments_50_ledger_match after update of invoice_id on public.payments
  for each row when (old.invoice_id is null and new.invoice_id is not null)
  execute function private.post_matched_payment();

-- ---------------------------------------------------------------------------
-- Settings RPC
-- ---------------------------------------------------------------------------

-- Owner or admin: VAT on receipts and the account mapping. Omitted (null)
-- arguments keep their value. Affects later postings only.
create function public.set_accounting_settings(
  p_org_id uuid,
  p_vat_on_receipts boolean default null,
  p_accounts jsonb default null
) returns jsonb
  language plpgsql security definer
  set search_path = ''
as $$
declare
  v_settings private.accounting_settings;
  v_unknown  text;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin']::public.member_role[],
                                      'set_accounting_settings', pg_catalog.format('Organization %s', p_org_id));
  if p_accounts is not null and pg_catalog.jsonb_typeof(p_accounts) <> 'object' then
    perform private.raise_api_error('invalid_parameter', 'accounts must be a JSON object of account numbers');
  end if;
  select k into v_unknown from pg_catalog.jsonb_object_keys(coalesce(p_accounts, '{}')) k
  where k not in ('clients', 'services', 'goods', 'rebates', 'vat_collected', 'vat_pending', 'bank')
  limit 1;
  if v_unknown is not null then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown account: %s (expected clients, services, goods, rebates, vat_collected, vat_pending, bank)', v_unknown));
  end if;
  perform private.lock_accounting_settings(p_org_id);
  update private.accounting_settings s
  set vat_on_receipts = coalesce(p_vat_on_receipts, s.vat_on_receipts),
      account_clients = coalesce(p_accounts ->> 'clients', s.account_clients),
      account_services = coalesce(p_accounts ->> 'services', s.account_services),
      account_goods = coalesce(p_accounts ->> 'goods', s.account_goods),
      account_rebates = coalesce(p_accounts ->> 'rebates', s.account_rebates),
      account_vat_collected = coalesce(p_accounts ->> 'vat_collected', s.account_vat_collected),
      account_vat_pending = coalesce(p_accounts ->> 'vat_pending', s.account_vat_pending),
      account_bank = coalesce(p_accounts ->> 'bank', s.account_bank),
      updated_at = now()
  where s.org_id = p_org_id
  returning * into v_settings;
  return pg_catalog.jsonb_build_object(
    'org_id', p_org_id, 'vat_on_receipts', v_settings.vat_on_receipts,
    'accounts', pg_catalog.jsonb_build_object(
      'clients', v_settings.account_clients, 'services', v_settings.account_services, 'goods', v_settings.account_goods,
      'rebates', v_settings.account_rebates, 'vat_collected', v_settings.account_vat_collected,
      'vat_pending', v_settings.account_vat_pending, 'bank', v_settings.account_bank));
end;
$$;
comment on function public.set_accounting_settings(uuid, boolean, jsonb) is
  'RPC (owner, admin): VAT on receipts for services and the account mapping (keys clients, services, goods, rebates, vat_collected, vat_pending, bank); each account stays in its plan comptable class (23514 otherwise). Later postings only.';
revoke all on function public.set_accounting_settings(uuid, boolean, jsonb) from public;
grant execute on function public.set_accounting_settings(uuid, boolean, jsonb) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.set_accounting_settings(uuid,boolean,jsonb)',
   'private.authorize_invoicing checks the caller is an owner or admin of the organization; definer to write private.accounting_settings, which no API role can reach.');

-- The ledger is its own audit trail: append-only, written only by the
-- database from facts that are audited where they happen (invoices, payments).
insert into audit.unaudited_tables (table_name, why) values
  ('public.ledger_entries', 'Append-only ledger posted by the database from audited facts (invoices, payments); it never changes, so an audit row would only copy it.'),
  ('public.ledger_lines', 'Append-only lines of ledger entries; the only change (lettering, once, by the database) follows a payment, which is audited.');
