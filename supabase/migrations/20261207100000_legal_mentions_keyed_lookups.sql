-- The legal mentions of an invoice look up the mission and site of each line
-- by key, whatever the planner's statistics say (README.md, "Benchmarks").
--
-- private.invoice_legal_mentions is a SQL function: its statements are
-- planned when the calling statement first calls it, with the invoice as a
-- parameter (a generic plan, estimated from statistics alone), and that plan
-- serves every row the calling statement computes. Its delivery address
-- joined the invoice's lines to missions and sites; with statistics taken in
-- the middle of a bulk load (an ANALYZE that saw 20 missions in a table about
-- to hold a million), the planner judged it cheaper to read every mission of the
-- organization once (a bitmap scan of the missions' (org_id,
-- search_document) GIN index, which serves "org_id = x") and match the lines
-- against them than to look each one up by key: every call read the
-- organization's 10,000 missions (5,500 blocks, 10 ms) to print one address,
-- and the bench generator's 200,000 calls ran for over half an hour. Only the
-- delivery address is rewritten; what the function returns is unchanged.
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
      -- Each line's mission, then its site, by primary key alone: in a
      -- LATERAL subquery with LIMIT, planned on its own with the line's values
      -- as parameters, the primary key is the only index that serves the
      -- condition. With the organization in the condition too, the
      -- (org_id, search_document) GIN index of missions serves "org_id = x",
      -- and stale statistics make that bitmap scan of every mission of the
      -- organization look cheaper than the key. The organization is checked
      -- after the lookup.
      cross join lateral (
        select mi.org_id, mi.site_id from public.missions mi
        where mi.id = l.mission_id
        limit 1) mi
      cross join lateral (
        select s.org_id, s.name, s.address, s.postal_code, s.city from public.sites s
        where s.id = mi.site_id
        limit 1) s
      where l.org_id = p_inv.org_id and l.invoice_id = p_inv.id and l.mission_id is not null
        and mi.org_id = l.org_id and s.org_id = l.org_id
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
