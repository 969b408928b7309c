-- Reverts 20261204180000_e_invoicing_mentions: the mentions snapshot taken at
-- issue goes back to its previous shape (documents issued meanwhile keep the
-- snapshot they carry), and the column and helpers the migration added go.

create or replace function private.invoice_legal_mentions(p_inv public.invoices) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select pg_catalog.jsonb_build_object(
    'seller', pg_catalog.jsonb_build_object(
      'name', o.name,
      'legal_form', o.legal_form,
      'share_capital', case when o.share_capital_cents is not null then private.format_cents(o.share_capital_cents) end,
      'address', concat_ws(', ', o.address_line1, o.address_line2, concat_ws(' ', o.postal_code, o.city)),
      'country', o.country_code,
      'siren', o.siren,
      'siret', o.siret,
      'vat_number', o.vat_number,
      'rcs', case when o.rcs_city is not null and o.siren is not null then 'RCS ' || o.rcs_city || ' ' || o.siren end),
    'buyer', pg_catalog.jsonb_build_object(
      'name', c.name,
      'address', concat_ws(', ', c.billing_address, concat_ws(' ', c.billing_postal_code, c.billing_city)),
      'country', c.billing_country,
      'siren', c.siren,
      'vat_number', c.vat_number),
    'payment_terms', p_inv.payment_terms,
    'early_payment_discount', 'Pas d''escompte pour paiement anticipé.',
    'late_penalty_rate', o.late_penalty_rate,
    'late_penalty', pg_catalog.format(
      'En cas de retard de paiement, pénalités au taux annuel de %s %% exigibles dès le lendemain de la date d''échéance (art. L441-10 du Code de commerce).',
      replace(pg_catalog.to_char(o.late_penalty_rate, 'FM990.00'), '.', ',')),
    'recovery_indemnity',
      'Indemnité forfaitaire pour frais de recouvrement due en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).',
    'credited_invoice', (
      select pg_catalog.jsonb_build_object(
               'number', ci.number, 'issue_date', ci.issue_date,
               'text', pg_catalog.format('Avoir sur la facture %s du %s', ci.number, pg_catalog.to_char(ci.issue_date, 'DD/MM/YYYY')))
      from public.invoices ci
      where ci.org_id = p_inv.org_id and ci.id = p_inv.credited_invoice_id)
  )
  from public.organizations o
  join public.clients c on c.org_id = o.id and c.id = p_inv.client_id
  where o.id = p_inv.org_id
$$;

COMMENT ON FUNCTION private.invoice_legal_mentions(p_inv public.invoices) IS 'The legal texts and identities printed on a document: seller (SIREN, VAT, RCS, capital), buyer, payment terms, no early-payment discount, late-penalty rate, the 40 EUR recovery indemnity (D441-5), credited invoice for a credit note.';

drop function private.invoice_operation_category(uuid, uuid);
drop function private.unece_unit_code(text);
alter table public.organizations drop column vat_on_debits;
