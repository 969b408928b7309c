-- What the Factur-X XML (CII, EN 16931 profile) embedded in every invoice PDF
-- says, from SQL: public.invoice_pdf_source gains an "e_invoice" object and
-- per-line / per-rate codes. The invoice-pdf function maps these fields onto
-- the e-invoice one to one (README.md, "Invoice PDFs"); no rule lives there.
--   type_code          380 invoice, 381 credit note (UNTDID 1001)
--   business_process   B1 goods, S1 services, M1 mixed: the French
--                      "cadre de facturation" carried as EN 16931 BT-23
--   seller/buyer/delivery addresses, structured (frozen at issue; documents
--                      issued before the snapshot had them fall back to the
--                      one-line address)
--   seller_legal_info  legal form, share capital, RCS (BT-33)
--   notes              the printed mentions, in print order (BT-22)
--   preceding_invoice  the invoice a credit note corrects (BG-3)
--   vat category code  S (standard rate) for every rate French law allows
--                      here; Z would be a zero rate, which fr_vat_rate refuses
--   unit_code          UN/ECE Rec. 20 (private.unece_unit_code)

create or replace function public.invoice_pdf_source(p_invoice_id uuid) returns jsonb
  language plpgsql stable
  set search_path = ''
as $$
declare
  v_inv public.invoices;
  v_lm  jsonb;
  v_category text;
begin
  if p_invoice_id is null then
    perform private.raise_api_error('missing_parameter', 'invoice_id is required');
  end if;
  select * into v_inv from public.invoices i where i.id = p_invoice_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  if v_inv.status = 'draft' then
    perform private.raise_api_error('invoice_not_issued',
      pg_catalog.format('Invoice %s is a draft: issue it before rendering its PDF', p_invoice_id));
  end if;
  v_lm := v_inv.legal_mentions;
  -- Issued lines never change, so the category derived now is the one at issue.
  v_category := coalesce(v_lm ->> 'operation_category', private.invoice_operation_category(v_inv.org_id, v_inv.id));

  return pg_catalog.jsonb_build_object(
    'id', v_inv.id,
    'kind', v_inv.kind,
    'title', case v_inv.kind when 'credit_note' then 'Avoir' else 'Facture' end,
    'number', v_inv.number,
    'status', v_inv.status,
    'issue_date', v_inv.issue_date,
    'service_date', v_inv.service_date,
    'due_date', v_inv.due_date,
    'issued_at', pg_catalog.to_char(v_inv.issued_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'notes', v_inv.notes,
    'legal_mentions', v_lm,
    'total_ht_cents', v_inv.total_ht_cents,
    'total_vat_cents', v_inv.total_vat_cents,
    'total_ttc_cents', v_inv.total_ht_cents + v_inv.total_vat_cents,
    'pdf_sha256', v_inv.pdf_sha256,
    'e_invoice', pg_catalog.jsonb_build_object(
      'type_code', case v_inv.kind when 'credit_note' then '381' else '380' end,
      -- organizations.currency accepts EUR only.
      'currency', 'EUR',
      'business_process', case v_category when 'goods' then 'B1' when 'services' then 'S1' else 'M1' end,
      'seller_address', coalesce(v_lm -> 'seller' -> 'postal_address', pg_catalog.jsonb_build_object(
        'line1', v_lm -> 'seller' ->> 'address', 'country', coalesce(v_lm -> 'seller' ->> 'country', 'FR'))),
      'buyer_address', coalesce(v_lm -> 'buyer' -> 'postal_address', pg_catalog.jsonb_build_object(
        'line1', v_lm -> 'buyer' ->> 'address', 'country', coalesce(v_lm -> 'buyer' ->> 'country', 'FR'))),
      'delivery_address', v_lm -> 'delivery_address' -> 'postal_address',
      'seller_legal_info', nullif(concat_ws(', ',
        concat_ws(' au capital de ', v_lm -> 'seller' ->> 'legal_form', v_lm -> 'seller' ->> 'share_capital'),
        v_lm -> 'seller' ->> 'rcs'), ''),
      'notes', pg_catalog.to_jsonb(array_remove(array[
        v_lm -> 'credited_invoice' ->> 'text',
        v_lm ->> 'operation_category_text',
        v_lm ->> 'vat_on_debits_text',
        v_lm ->> 'early_payment_discount',
        v_lm ->> 'late_penalty',
        v_lm ->> 'recovery_indemnity',
        v_inv.notes], null)),
      'preceding_invoice', case when v_lm -> 'credited_invoice' is not null
        and pg_catalog.jsonb_typeof(v_lm -> 'credited_invoice') = 'object' then
          pg_catalog.jsonb_build_object(
            'number', v_lm -> 'credited_invoice' ->> 'number',
            'issue_date', v_lm -> 'credited_invoice' ->> 'issue_date') end),
    'lines', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'position', l.position, 'description', l.description, 'quantity', l.quantity, 'unit', l.unit,
               'unit_code', private.unece_unit_code(l.unit),
               'unit_price_cents', l.unit_price_cents, 'vat_rate', l.vat_rate,
               'vat_category_code', case when l.vat_rate > 0 then 'S' else 'Z' end,
               'line_ht_cents', l.line_ht_cents, 'line_vat_cents', l.line_vat_cents)
             order by l.position, l.id), '[]'::jsonb)
      from public.invoice_lines l
      where l.org_id = v_inv.org_id and l.invoice_id = v_inv.id),
    'vat_breakdown', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'vat_rate', r.vat_rate, 'category_code', case when r.vat_rate > 0 then 'S' else 'Z' end,
               'base_ht_cents', r.base_ht_cents, 'vat_cents', r.vat_cents)
             order by r.vat_rate), '[]'::jsonb)
      from (select l.vat_rate, sum(l.line_ht_cents) as base_ht_cents, sum(l.line_vat_cents) as vat_cents
            from public.invoice_lines l
            where l.org_id = v_inv.org_id and l.invoice_id = v_inv.id
            group by l.vat_rate) r)
  );
end;
$$;

comment on function public.invoice_pdf_source(uuid) is
  'RPC (invoice-pdf function, as the caller): what the PDF of an issued document prints and what its Factur-X XML says — frozen legal mentions, lines with unit and VAT category codes, VAT per rate, totals, and e_invoice (type code, business process, structured addresses, notes, preceding invoice). not_found when the caller may not read the invoice; invoice_not_issued for a draft.';
