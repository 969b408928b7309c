-- Down file of supabase/migrations/20261206140000_accounting_suspense_account.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.


-- triggers, policies, constraints and indexes it added to existing tables
alter table private.accounting_settings drop constraint accounting_settings_suspense;

-- columns it added to existing tables
alter table private.accounting_settings drop column account_suspense;

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.account_label(p_settings private.accounting_settings, p_account text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select case p_account
    when p_settings.account_clients then 'Clients'
    when p_settings.account_services then 'Prestations de services'
    when p_settings.account_goods then 'Ventes de marchandises'
    when p_settings.account_rebates then 'Rabais, remises et ristournes accordés'
    when p_settings.account_vat_collected then 'TVA collectée'
    when p_settings.account_vat_pending then 'TVA à régulariser (encaissements)'
    when p_settings.account_bank then 'Banque'
  end
$function$;

CREATE OR REPLACE FUNCTION public.set_accounting_settings(p_org_id uuid, p_vat_on_receipts boolean DEFAULT NULL::boolean, p_accounts jsonb DEFAULT NULL::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;


-- comments it changed on existing objects
comment on function public.set_accounting_settings(pg_catalog.uuid,boolean,pg_catalog.jsonb) is 'RPC (owner, admin): VAT on receipts for services and the account mapping (keys clients, services, goods, rebates, vat_collected, vat_pending, bank); each account stays in its plan comptable class (23514 otherwise). Later postings only.';
