-- The suspense account ("compte d'attente", plan comptable class 47) each
-- organization books a bank receipt on until it is assigned to an invoice
-- (README.md, "Accounting"). Defaults to 471; mapped like the other accounts
-- through set_accounting_settings (key "suspense"), and held in its class by a
-- check constraint as they are: a receipt waiting for its invoice must never
-- land on an income or third-party account.

alter table private.accounting_settings
  add column account_suspense text not null default '471',
  add constraint accounting_settings_suspense check (account_suspense ~ '^47[0-9]{1,8}$');

create or replace function private.account_label(p_settings private.accounting_settings, p_account text) returns text
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
    when p_settings.account_suspense then 'Compte d''attente'
  end
$$;

-- As before, with the "suspense" key. Omitted (null) arguments keep their
-- value; the check constraints refuse an account outside its class (23514)
-- and the whole update with it. Affects later postings only: a receipt
-- already on the old suspense account is moved from that account when it is
-- matched (the posting reads the account off the receipt's line).
create or replace function public.set_accounting_settings(
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
  where k not in ('clients', 'services', 'goods', 'rebates', 'vat_collected', 'vat_pending', 'bank', 'suspense')
  limit 1;
  if v_unknown is not null then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown account: %s (expected clients, services, goods, rebates, vat_collected, vat_pending, bank, suspense)', v_unknown));
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
      account_suspense = coalesce(p_accounts ->> 'suspense', s.account_suspense),
      updated_at = now()
  where s.org_id = p_org_id
  returning * into v_settings;
  return pg_catalog.jsonb_build_object(
    'org_id', p_org_id, 'vat_on_receipts', v_settings.vat_on_receipts,
    'accounts', pg_catalog.jsonb_build_object(
      'clients', v_settings.account_clients, 'services', v_settings.account_services, 'goods', v_settings.account_goods,
      'rebates', v_settings.account_rebates, 'vat_collected', v_settings.account_vat_collected,
      'vat_pending', v_settings.account_vat_pending, 'bank', v_settings.account_bank,
      'suspense', v_settings.account_suspense));
end;
$$;
comment on function public.set_accounting_settings(uuid, boolean, jsonb) is
  'RPC (owner, admin): VAT on receipts for services and the account mapping (keys clients, services, goods, rebates, vat_collected, vat_pending, bank, suspense); each account stays in its plan comptable class (23514 otherwise). Later postings only.';
