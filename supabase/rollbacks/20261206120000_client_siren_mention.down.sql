-- Down file of supabase/migrations/20261206120000_client_siren_mention.sql: the
-- missing-mentions list as it was, without the client's SIREN
-- (docs/conventions.md § Reversible migrations).
create or replace function private.invoice_missing_mentions(p_inv public.invoices) returns text[]
  language sql stable security definer
  set search_path = ''
as $$
  select array_remove(array[
    case when nullif(btrim(o.name), '') is null then 'seller name' end,
    case when nullif(btrim(o.address_line1), '') is null or nullif(btrim(o.postal_code), '') is null
              or nullif(btrim(o.city), '') is null then 'seller address' end,
    case when o.siren is null then 'seller SIREN' end,
    case when o.vat_number is null then 'seller VAT number' end,
    case when o.late_penalty_rate is null then 'late-payment penalty rate' end,
    case when nullif(btrim(c.name), '') is null then 'client name' end,
    case when nullif(btrim(c.billing_address), '') is null or nullif(btrim(c.billing_postal_code), '') is null
              or nullif(btrim(c.billing_city), '') is null then 'client address' end,
    case when p_inv.service_date is null then 'service date' end,
    case when p_inv.status <> 'draft' and p_inv.issue_date is null then 'issue date' end,
    case when p_inv.status <> 'draft' and p_inv.due_date is null then 'due date' end,
    case when p_inv.due_date > p_inv.issue_date + 60 then 'due date within 60 days of issue' end
  ], null)
  from public.organizations o
  join public.clients c on c.org_id = o.id and c.id = p_inv.client_id
  where o.id = p_inv.org_id
$$;

comment on function private.invoice_missing_mentions(public.invoices) is
  'Labels of the mandatory invoice mentions the data cannot provide yet (seller SIREN, seller VAT number, client address, …); empty when complete.';
