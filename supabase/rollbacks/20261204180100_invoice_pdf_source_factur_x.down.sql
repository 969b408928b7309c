-- Reverts 20261204180100_invoice_pdf_source_factur_x: invoice_pdf_source
-- returns what it returned before (no e_invoice object, no line or rate codes).

create or replace function public.invoice_pdf_source(p_invoice_id uuid) returns jsonb
  language plpgsql stable
  set search_path = ''
as $$
declare
  v_inv public.invoices;
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
    'legal_mentions', v_inv.legal_mentions,
    'total_ht_cents', v_inv.total_ht_cents,
    'total_vat_cents', v_inv.total_vat_cents,
    'total_ttc_cents', v_inv.total_ht_cents + v_inv.total_vat_cents,
    'pdf_sha256', v_inv.pdf_sha256,
    'lines', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'position', l.position, 'description', l.description, 'quantity', l.quantity, 'unit', l.unit,
               'unit_price_cents', l.unit_price_cents, 'vat_rate', l.vat_rate,
               'line_ht_cents', l.line_ht_cents, 'line_vat_cents', l.line_vat_cents)
             order by l.position, l.id), '[]'::jsonb)
      from public.invoice_lines l
      where l.org_id = v_inv.org_id and l.invoice_id = v_inv.id),
    'vat_breakdown', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'vat_rate', r.vat_rate, 'base_ht_cents', r.base_ht_cents, 'vat_cents', r.vat_cents)
             order by r.vat_rate), '[]'::jsonb)
      from (select l.vat_rate, sum(l.line_ht_cents) as base_ht_cents, sum(l.line_vat_cents) as vat_cents
            from public.invoice_lines l
            where l.org_id = v_inv.org_id and l.invoice_id = v_inv.id
            group by l.vat_rate) r)
  );
end;
$$;

comment on function public.invoice_pdf_source(uuid) is
  'RPC (invoice-pdf function, as the caller): what the PDF of an issued document prints — frozen legal mentions, lines, VAT per rate, totals. not_found when the caller may not read the invoice; invoice_not_issued for a draft.';
