-- The mentions the e-invoicing reform adds to every invoice and credit note,
-- frozen at issue with the others (invoices.legal_mentions), so the PDF and
-- its Factur-X XML print them and say the same thing forever (README.md,
-- "Invoice PDFs"):
--   * the client's SIREN (already in the snapshot: clients.siren);
--   * the delivery address when it differs from the billing address: for a
--     field-service company, the site of the mission the lines come from;
--   * the category of the operation: goods, services or mixed;
--   * the option for paying VAT on debits (organizations.vat_on_debits).
-- The snapshot also keeps both parties' addresses as structured fields: an
-- e-invoice carries street, postal code, city and country separately.

alter table public.organizations
  add column vat_on_debits boolean not null default false;

comment on column public.organizations.vat_on_debits is
  'The organization opted to pay VAT on services when invoiced (d''après les débits, CGI art. 269-2-c) rather than when paid; printed on every invoice issued after the choice.';

-- Owners and admins change it like the other identity columns (the update
-- policy on organizations decides who).
grant update (vat_on_debits) on table public.organizations to authenticated;

-- UN/ECE Recommendation 20 code of a line's free-text unit, as e-invoices
-- require (EN 16931 BT-130). Units the app offers get their code; anything
-- else is counted in units ("C62", one).
create function private.unece_unit_code(p_unit text) returns text
  language sql immutable parallel safe
  set search_path = ''
as $$
  select case pg_catalog.lower(pg_catalog.btrim(coalesce(p_unit, '')))
    when 'h' then 'HUR'
    when 'heure' then 'HUR'
    when 'heures' then 'HUR'
    when 'min' then 'MIN'
    when 'j' then 'DAY'
    when 'jour' then 'DAY'
    when 'jours' then 'DAY'
    when 'kg' then 'KGM'
    when 'g' then 'GRM'
    when 'm' then 'MTR'
    when 'ml' then 'MTR'
    when 'm2' then 'MTK'
    when 'm²' then 'MTK'
    when 'm3' then 'MTQ'
    when 'm³' then 'MTQ'
    when 'l' then 'LTR'
    else 'C62'
  end
$$;
comment on function private.unece_unit_code(text) is
  'UN/ECE Rec. 20 code (EN 16931 BT-130) of an invoice line''s free-text unit: h → HUR, j → DAY, kg → KGM, m → MTR, m2 → MTK, l → LTR…; any other unit → C62 (one).';
revoke all on function private.unece_unit_code(text) from public;

-- Goods, services or mixed, from the invoice's lines: a line drawn from stock
-- (stock_item_id) sells goods; every other line (labour, travel, a service
-- priced by hand) is a service.
create function private.invoice_operation_category(p_org_id uuid, p_invoice_id uuid) returns text
  language sql stable
  set search_path = ''
as $$
  select case
    when pg_catalog.count(*) filter (where l.stock_item_id is not null) = 0 then 'services'
    when pg_catalog.count(*) filter (where l.stock_item_id is null) = 0 then 'goods'
    else 'mixed'
  end
  from public.invoice_lines l
  where l.org_id = p_org_id and l.invoice_id = p_invoice_id
$$;
comment on function private.invoice_operation_category(uuid, uuid) is
  'Category of the operation an invoice records (e-invoicing mention): goods when every line comes from stock, services when none does, mixed otherwise.';
revoke all on function private.invoice_operation_category(uuid, uuid) from public;

-- public.invoice_pdf_source (security invoker) calls both for the caller:
-- the unit code is a pure function, and the category reads lines under RLS.
grant execute on function private.unece_unit_code(text) to authenticated, service_role;
grant execute on function private.invoice_operation_category(uuid, uuid) to authenticated, service_role;

-- The snapshot of mentions taken at issue: as before, plus the reform's
-- mentions and structured addresses. Documents issued earlier keep the
-- snapshot they were issued with (invoice_pdf_source reads those keys with a
-- fallback).
create or replace function private.invoice_legal_mentions(p_inv public.invoices) returns jsonb
  language sql stable
  set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'seller', pg_catalog.jsonb_build_object(
      'name', o.name,
      'legal_form', o.legal_form,
      'share_capital', case when o.share_capital_cents is not null then private.format_cents(o.share_capital_cents) end,
      'address', concat_ws(', ', o.address_line1, o.address_line2, concat_ws(' ', o.postal_code, o.city)),
      'postal_address', pg_catalog.jsonb_build_object(
        'line1', o.address_line1, 'line2', o.address_line2, 'postal_code', o.postal_code, 'city', o.city,
        'country', o.country_code),
      'country', o.country_code,
      'siren', o.siren,
      'siret', o.siret,
      'vat_number', o.vat_number,
      'rcs', case when o.rcs_city is not null and o.siren is not null then 'RCS ' || o.rcs_city || ' ' || o.siren end),
    'buyer', pg_catalog.jsonb_build_object(
      'name', c.name,
      'address', concat_ws(', ', c.billing_address, concat_ws(' ', c.billing_postal_code, c.billing_city)),
      'postal_address', pg_catalog.jsonb_build_object(
        'line1', c.billing_address, 'line2', null, 'postal_code', c.billing_postal_code, 'city', c.billing_city,
        'country', c.billing_country),
      'country', c.billing_country,
      'siren', c.siren,
      'vat_number', c.vat_number),
    -- Where the work was done, when it is not the billing address: the site
    -- of the mission of the first line that has one.
    'delivery_address', (
      select pg_catalog.jsonb_build_object(
               'name', s.name,
               'address', concat_ws(', ', s.address, concat_ws(' ', s.postal_code, s.city)),
               'postal_address', pg_catalog.jsonb_build_object(
                 'line1', s.address, 'line2', null, 'postal_code', s.postal_code, 'city', s.city,
                 'country', c.billing_country))
      from public.invoice_lines l
      join public.missions mi on mi.org_id = l.org_id and mi.id = l.mission_id
      join public.sites s on s.org_id = mi.org_id and s.id = mi.site_id
      where l.org_id = p_inv.org_id and l.invoice_id = p_inv.id
        and (pg_catalog.lower(pg_catalog.btrim(s.address)), pg_catalog.lower(pg_catalog.btrim(coalesce(s.postal_code, ''))),
             pg_catalog.lower(pg_catalog.btrim(coalesce(s.city, ''))))
            is distinct from
            (pg_catalog.lower(pg_catalog.btrim(coalesce(c.billing_address, ''))),
             pg_catalog.lower(pg_catalog.btrim(coalesce(c.billing_postal_code, ''))),
             pg_catalog.lower(pg_catalog.btrim(coalesce(c.billing_city, ''))))
      order by l.position, l.id
      limit 1),
    'operation_category', private.invoice_operation_category(p_inv.org_id, p_inv.id),
    'operation_category_text', 'Catégorie de l''opération : ' ||
      case private.invoice_operation_category(p_inv.org_id, p_inv.id)
        when 'goods' then 'livraison de biens'
        when 'services' then 'prestation de services'
        else 'mixte (livraison de biens et prestation de services)'
      end,
    'vat_on_debits', o.vat_on_debits,
    'vat_on_debits_text', case when o.vat_on_debits then 'Option pour le paiement de la taxe d''après les débits.' end,
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

comment on function private.invoice_legal_mentions(p_inv public.invoices) is
  'The legal texts and identities printed on a document, frozen at issue: seller (SIREN, SIRET, VAT, RCS, capital, structured address), buyer (SIREN, VAT, structured address), delivery address when it differs (the mission site), operation category (goods / services / mixed), VAT-on-debits option, payment terms, no early-payment discount, late-penalty rate, the 40 EUR recovery indemnity (D441-5), credited invoice for a credit note.';
