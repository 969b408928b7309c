-- The PDF of each issued invoice and credit note, stored once with its SHA-256.
--
-- The invoice-pdf edge function renders the document from what this database
-- says (public.invoice_pdf_source: the mentions frozen at issue, the lines,
-- the VAT per rate) and hands the bytes to public.store_invoice_pdf, which in
-- one transaction stores them and records their hash on the invoice
-- (invoices.pdf_sha256). The hash is computed here, by Postgres, from the
-- bytes it stores (a generated column): a stored PDF never exists without its
-- hash, and the invoice's hash is the hash of the stored bytes.
-- public.verify_invoice_pdf recomputes the stored file's hash and compares it,
-- and the hash of a fresh render, with the one on the invoice (README.md,
-- "Invoice PDFs").

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('invoice_not_issued', 409, '55000',
   'The invoice or credit note is still a draft: it has no number nor PDF until issue_invoice() issues it.');

create table public.invoice_pdfs (
  invoice_id  uuid primary key,
  org_id      uuid not null,
  -- Computed from the stored bytes by Postgres, never supplied by a client.
  sha256      text generated always as (pg_catalog.encode(pg_catalog.sha256(pdf), 'hex')) stored,
  size_bytes  integer generated always as (pg_catalog.octet_length(pdf)) stored,
  pdf         bytea not null,
  rendered_at timestamptz not null default now(),
  -- A PDF file starts with "%PDF-"; 10 MiB is the stack's request body limit.
  constraint invoice_pdfs_is_pdf check (pg_catalog.substr(pdf, 1, 5) = '\x255044462d'::bytea),
  constraint invoice_pdfs_size check (pg_catalog.octet_length(pdf) <= 10485760),
  constraint invoice_pdfs_org_invoice_key unique (org_id, invoice_id),
  constraint invoice_pdfs_invoice_fkey foreign key (org_id, invoice_id) references public.invoices (org_id, id)
);

comment on table public.invoice_pdfs is
  'The rendered PDF of each issued invoice or credit note, written once by store_invoice_pdf() with the invoice''s pdf_sha256 in the same transaction; never changed nor removed.';
comment on column public.invoice_pdfs.sha256 is 'hex SHA-256 of pdf, computed by Postgres (generated column); equals invoices.pdf_sha256 unless the stored file was tampered with.';
comment on column public.invoice_pdfs.rendered_at is 'When the PDF was stored (the PDF itself carries the issue time, so a render is reproducible).';

-- Stored documents are evidence: like the invoice they render, they never
-- change. (A superuser with triggers disabled can still tamper with a row;
-- verify_invoice_pdf() detects it.)
create function private.refuse_invoice_pdf_change() returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  perform private.raise_api_error('append_only',
    pg_catalog.format('The stored PDF of invoice %s cannot be changed nor removed (%s refused)', old.invoice_id, tg_op));
  return null; -- not reached: raise_api_error never returns
end;
$$;
revoke all on function private.refuse_invoice_pdf_change() from public;

create trigger invoice_pdfs_10_immutable before update or delete on public.invoice_pdfs
  for each row execute function private.refuse_invoice_pdf_change();

-- Those who may read the invoice may read its PDF: the staff who read the
-- organization's invoices, and a portal user for their client's issued
-- documents (the same two branches as invoice_lines_select).
alter table public.invoice_pdfs enable row level security;
create policy invoice_pdfs_select on public.invoice_pdfs for select to authenticated using (
  org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]))::uuid[])
  or (
    org_id = any ((select private.my_org_ids_as('{client}'::public.member_role[]))::uuid[])
    and invoice_id in (select private.my_client_invoice_ids())
  )
);

-- Reads only: rows are written by store_invoice_pdf() (security definer).
grant select on table public.invoice_pdfs to authenticated, service_role;

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.invoice_pdfs', 'owner', 'select', 'org', 'Written only by store_invoice_pdf() (the invoice-pdf function); never updated nor deleted.'),
  ('public.invoice_pdfs', 'admin', 'select', 'org', 'Written only by store_invoice_pdf() (the invoice-pdf function); never updated nor deleted.'),
  ('public.invoice_pdfs', 'accountant', 'select', 'org', 'Written only by store_invoice_pdf() (the invoice-pdf function); never updated nor deleted.'),
  ('public.invoice_pdfs', 'client', 'select', 'client', 'PDFs of their client''s issued invoices and credit notes.');

-- Everything the PDF prints, read as the caller (security invoker: RLS on
-- invoices and invoice_lines decides; an invoice the caller may not read is
-- "not found"). Only frozen data: the legal mentions snapshot taken at issue,
-- the locked lines and totals, and the VAT per rate computed here, so the
-- renderer holds no legal rule and two renders of one invoice are identical.
create function public.invoice_pdf_source(p_invoice_id uuid) returns jsonb
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
revoke all on function public.invoice_pdf_source(uuid) from public;
grant execute on function public.invoice_pdf_source(uuid) to authenticated, service_role;

-- Stores the rendered PDF and records its hash on the invoice, in one
-- transaction. Idempotent: when the document already has a stored PDF, that
-- one stays and is described (created = false); the bytes passed are ignored.
-- The invoice row is locked first, so two concurrent renders store one PDF.
create function public.store_invoice_pdf(p_invoice_id uuid, p_pdf bytea) returns jsonb
  language plpgsql security definer
  set search_path = ''
as $$
declare
  v_inv    public.invoices;
  v_stored public.invoice_pdfs;
  v_sha256 text;
begin
  if p_invoice_id is null or p_pdf is null then
    perform private.raise_api_error('missing_parameter', 'invoice_id and pdf are required');
  end if;
  if pg_catalog.octet_length(p_pdf) > 10485760 then
    perform private.raise_api_error('payload_too_large', 'A stored PDF is at most 10 MiB');
  end if;
  if pg_catalog.substr(p_pdf, 1, 5) is distinct from '\x255044462d'::bytea then
    perform private.raise_api_error('invalid_parameter', 'The file is not a PDF (it does not start with %PDF-)');
  end if;

  select * into v_inv from public.invoices i where i.id = p_invoice_id for update;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  if v_inv.status = 'draft' then
    perform private.raise_api_error('invoice_not_issued',
      pg_catalog.format('Invoice %s is a draft: issue it before storing its PDF', p_invoice_id));
  end if;

  select * into v_stored from public.invoice_pdfs p where p.org_id = v_inv.org_id and p.invoice_id = v_inv.id;
  if found then
    return pg_catalog.jsonb_build_object(
      'invoice_id', v_inv.id, 'number', v_inv.number, 'sha256', v_stored.sha256,
      'size_bytes', v_stored.size_bytes, 'rendered_at', v_stored.rendered_at, 'created', false);
  end if;

  v_sha256 := pg_catalog.encode(pg_catalog.sha256(p_pdf), 'hex');
  if v_inv.pdf_sha256 is not null and v_inv.pdf_sha256 <> v_sha256 then
    perform private.raise_api_error('pdf_hash_mismatch', pg_catalog.format(
      'Invoice %s already records the PDF hash %s; this PDF hashes to %s', v_inv.number, v_inv.pdf_sha256, v_sha256));
  end if;

  insert into public.invoice_pdfs (invoice_id, org_id, pdf)
  values (v_inv.id, v_inv.org_id, p_pdf)
  returning * into v_stored;

  if v_inv.pdf_sha256 is null then
    perform pg_catalog.set_config('terrain.invoicing_op', 'pdf', true);
    update public.invoices i set pdf_sha256 = v_stored.sha256 where i.id = v_inv.id;
    perform pg_catalog.set_config('terrain.invoicing_op', '', true);
  end if;

  return pg_catalog.jsonb_build_object(
    'invoice_id', v_inv.id, 'number', v_inv.number, 'sha256', v_stored.sha256,
    'size_bytes', v_stored.size_bytes, 'rendered_at', v_stored.rendered_at, 'created', true);
end;
$$;

comment on function public.store_invoice_pdf(uuid, bytea) is
  'RPC (invoice-pdf function, service role only): stores the PDF of an issued document and records sha256(bytes) as invoices.pdf_sha256 in one transaction; returns the stored PDF''s description (created = false when one was already stored).';
revoke all on function public.store_invoice_pdf(uuid, bytea) from public;
grant execute on function public.store_invoice_pdf(uuid, bytea) to service_role;

-- The verdict on a stored PDF, as the caller (RLS decides what is visible):
-- the stored file's hash recomputed now, the hash recorded on the invoice,
-- and the hash of a fresh render from the database. ok = all three agree.
create function public.verify_invoice_pdf(p_invoice_id uuid, p_rendered bytea) returns jsonb
  language plpgsql stable
  set search_path = ''
as $$
declare
  v_inv      public.invoices;
  v_stored   text;
  v_rendered text := pg_catalog.encode(pg_catalog.sha256(p_rendered), 'hex');
begin
  if p_invoice_id is null or p_rendered is null then
    perform private.raise_api_error('missing_parameter', 'invoice_id and the rendered PDF are required');
  end if;
  select * into v_inv from public.invoices i where i.id = p_invoice_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  if v_inv.status = 'draft' then
    perform private.raise_api_error('invoice_not_issued',
      pg_catalog.format('Invoice %s is a draft: it has no PDF', p_invoice_id));
  end if;
  select pg_catalog.encode(pg_catalog.sha256(p.pdf), 'hex') into v_stored
  from public.invoice_pdfs p
  where p.org_id = v_inv.org_id and p.invoice_id = v_inv.id;
  if not found then
    perform private.raise_api_error('invalid_state',
      pg_catalog.format('Invoice %s has no stored PDF yet: render it first', v_inv.number));
  end if;

  return pg_catalog.jsonb_build_object(
    'invoice_id', v_inv.id,
    'number', v_inv.number,
    'recorded_sha256', v_inv.pdf_sha256,
    'stored_sha256', v_stored,
    'rendered_sha256', v_rendered,
    'stored_matches_recorded', v_stored = v_inv.pdf_sha256,
    'rendered_matches_recorded', v_rendered = v_inv.pdf_sha256,
    'ok', v_stored = v_inv.pdf_sha256 and v_rendered = v_inv.pdf_sha256);
end;
$$;

comment on function public.verify_invoice_pdf(uuid, bytea) is
  'RPC (invoice-pdf function, verify mode): recomputes the stored PDF''s SHA-256 and compares it and the hash of a fresh render with invoices.pdf_sha256; ok = all agree (a tampered stored file gives stored_matches_recorded = false).';
revoke all on function public.verify_invoice_pdf(uuid, bytea) from public;
grant execute on function public.verify_invoice_pdf(uuid, bytea) to authenticated, service_role;

-- Not audited row by row: a row is written once and never changed (trigger
-- above), and the audit diff would copy every PDF into audit.log. What matters
-- is audited where it lands: the invoice's pdf_sha256 (public.invoices is audited).
insert into audit.unaudited_tables (table_name, why) values
  ('public.invoice_pdfs', 'Write-once PDF bytes (never updated nor deleted): auditing would copy every PDF into audit.log; the hash it records on the invoice (invoices.pdf_sha256) is audited there.');
