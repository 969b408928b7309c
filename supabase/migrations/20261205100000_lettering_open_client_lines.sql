-- Lettering (private.letter_invoice, called once per credit note and payment
-- posted) reads an invoice's open client-account lines. It filtered on
-- (org_id, invoice_id, account, not lettered), and the planner chose between
-- every index led by org_id. When the statistics are stale — a bulk import in
-- one transaction (autovacuum cannot analyze uncommitted rows), a new
-- organization absent from the sampled values — org_id = <that org> looks
-- like one row, and the plan read ledger_lines_entry_idx (org_id, entry_id)
-- on org_id alone: every ledger line of the organization, for every payment.
-- A year of invoices posted that way is quadratic.
--
-- The lookup now has one index that fits it and nothing else that does:
--   * a partial index of the open lines that carry a client's auxiliary
--     account (post_invoice and post_payment set aux_number on the client
--     line only), keyed by invoice: small (settled lines leave it when they
--     are lettered), and a single equality finds an invoice's lines;
--   * the lookup filters on invoice_id and no longer on org_id: every other
--     index of ledger_lines is led by org_id or entry_id, so none can serve
--     it, and a sequential scan is priced at the table's real size (the
--     planner reads the current number of pages, stale statistics or not).
--     invoice_id alone is exact: invoice ids are unique, and the lines'
--     foreign key (org_id, invoice_id) → invoices gives every line its
--     invoice's organization.
create index ledger_lines_open_client_idx on public.ledger_lines (invoice_id)
  where lettering_code is null and aux_number is not null;
comment on index public.ledger_lines_open_client_idx is
  'Open (unlettered) client-account lines by invoice: the only index private.letter_invoice''s lookup can use, whatever the statistics.';

create or replace function private.letter_invoice(p_org_id uuid, p_invoice_id uuid, p_date date) returns text
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
  -- Served by ledger_lines_open_client_idx only (see the migration's header):
  -- by invoice, within the index's predicate, without org_id.
  select count(*), coalesce(sum(l.debit_cents - l.credit_cents), 0) into v_open, v_balance
  from public.ledger_lines l
  where l.invoice_id = p_invoice_id and l.lettering_code is null and l.aux_number is not null
    and l.account_number = v_settings.account_clients;
  if v_open < 2 or v_balance <> 0 then
    return null;
  end if;
  update private.accounting_settings s set last_lettering = s.last_lettering + 1
  where s.org_id = p_org_id
  returning s.last_lettering into v_n;
  v_code := private.lettering_code(v_n);
  perform pg_catalog.set_config('terrain.ledger_op', 'lettering', true);
  update public.ledger_lines l set lettering_code = v_code, lettering_date = p_date
  where l.invoice_id = p_invoice_id and l.lettering_code is null and l.aux_number is not null
    and l.account_number = v_settings.account_clients;
  perform pg_catalog.set_config('terrain.ledger_op', '', true);
  return v_code;
end;
$$;
