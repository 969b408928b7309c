-- Back to the lettering lookup by (org_id, invoice_id, account) and without
-- the partial index of open client-account lines.
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
drop index public.ledger_lines_open_client_idx;
