-- =============================================================================
-- Issuing invoices and credit notes (invariants 2 and 4): gapless,
-- chronological numbering; legal mentions frozen and checked; a per-org hash
-- chain; the PDF hash that makes an invoice "sent"; and the chain verifier.
--
-- Serialization: issuing is serialized per organization by a row lock on
-- private.invoice_chain_heads (one row per org). The hash chain needs it (each
-- document hashes its predecessor, across series), and under it the
-- chronology check and the counter increment see every issue committed
-- before. Lock order, always: chain head → counter row → invoice (→ credited
-- invoice). Issuing is a few milliseconds, so one queue per organization is
-- far from any real invoicing rate.
--
-- Under REPEATABLE READ or SERIALIZABLE a caller whose snapshot predates a
-- concurrent issue gets a serialization failure (40001) on the chain head
-- instead of a stale predecessor: retry, never a broken chain.
-- =============================================================================

create table private.invoice_chain_heads (
  org_id          uuid primary key references public.organizations (id) on delete cascade,
  -- How many documents the organization has issued, and the last one.
  last_position   bigint not null default 0 check (last_position >= 0),
  last_invoice_id uuid,
  last_row_hash   text check (last_row_hash is null or last_row_hash ~ '^[0-9a-f]{64}$'),
  updated_at      timestamptz not null default now()
);
comment on table private.invoice_chain_heads is
  'Per-organization head of the invoice hash chain; its row lock serializes issuing within an organization.';
alter table private.invoice_chain_heads enable row level security;

-- The content an issued document's hash covers, as text: PostgreSQL's jsonb
-- output (keys sorted, no insignificant whitespace) of its identity, number,
-- dates, client, totals, frozen legal mentions and lines in order. Columns
-- with fixed types (numeric(12,3), numeric(3,1)) print identically every time;
-- the only timestamp is rendered in UTC so the session TimeZone cannot change
-- the text. Changing this function changes every hash: bump "format".
create function private.invoice_canonical(p_inv public.invoices)
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'format', 1,
    'org_id', p_inv.org_id,
    'id', p_inv.id,
    'kind', p_inv.kind,
    'number', p_inv.number,
    'fiscal_year', p_inv.fiscal_year,
    'sequence', p_inv.sequence,
    'chain_position', p_inv.chain_position,
    'client_id', p_inv.client_id,
    'credited_invoice_id', p_inv.credited_invoice_id,
    'issue_date', p_inv.issue_date,
    'service_date', p_inv.service_date,
    'due_date', p_inv.due_date,
    'payment_terms', p_inv.payment_terms,
    'total_ht_cents', p_inv.total_ht_cents,
    'total_vat_cents', p_inv.total_vat_cents,
    'total_ttc_cents', p_inv.total_ht_cents + p_inv.total_vat_cents,
    'legal_mentions', p_inv.legal_mentions,
    'issued_at', pg_catalog.to_char(p_inv.issued_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'lines', (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'position', l.position, 'description', l.description, 'quantity', l.quantity, 'unit', l.unit,
               'unit_price_cents', l.unit_price_cents, 'vat_rate', l.vat_rate,
               'line_ht_cents', l.line_ht_cents, 'line_vat_cents', l.line_vat_cents,
               'mission_id', l.mission_id, 'timesheet_id', l.timesheet_id, 'stock_item_id', l.stock_item_id)
             order by l.position, l.id), '[]'::jsonb)
      from public.invoice_lines l
      where l.org_id = p_inv.org_id and l.invoice_id = p_inv.id)
  )::text
$$;
comment on function private.invoice_canonical(public.invoices) is
  'Canonical text of an issued document (identity, number, dates, client, totals, legal mentions, lines) that its row_hash covers.';

create function private.invoice_row_hash(p_inv public.invoices)
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
           coalesce(p_inv.prev_hash, '') || private.invoice_canonical(p_inv), 'UTF8')), 'hex')
$$;
comment on function private.invoice_row_hash(public.invoices) is 'sha256(prev_hash || canonical content), hex; the first document of an organization has no prev_hash.';

-- The mentions printed on the document, frozen at issue.
create function private.invoice_legal_mentions(p_inv public.invoices)
returns jsonb
language sql
stable
set search_path = ''
as $$
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
comment on function private.invoice_legal_mentions(public.invoices) is
  'The legal texts and identities printed on a document: seller (SIREN, VAT, RCS, capital), buyer, payment terms, '
  'no early-payment discount, late-penalty rate, the 40 EUR recovery indemnity (D441-5), credited invoice for a credit note.';

-- -----------------------------------------------------------------------------
-- issue_invoice
-- -----------------------------------------------------------------------------

-- Issues a draft invoice or credit note: number FAC-YYYY-NNNNN / AV-YYYY-NNNNN
-- per organization, series and fiscal year (year of the issue date, which
-- defaults to today in the organization's timezone), gapless and
-- chronological; legal mentions checked and frozen; hash-chained.
-- Every check runs before the counter moves, and the counter moves in this
-- transaction: a refused or rolled-back issue leaves no gap.
-- Roles: owner, admin, accountant (or the system actor).
create function public.issue_invoice(p_invoice_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org_id  uuid;
  v_inv     public.invoices;
  v_org     public.organizations;
  v_client  public.clients;
  v_orig    public.invoices;
  v_head    private.invoice_chain_heads;
  v_today   date;
  v_last    record;
  v_terms   integer;
  v_missing text[];
begin
  select i.org_id into v_org_id from public.invoices i where i.id = p_invoice_id;
  if not found then
    raise exception 'Invoice % not found', p_invoice_id using errcode = 'P0002';
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'issue_invoice', pg_catalog.format('Invoice %s', p_invoice_id));

  -- 1. The organization's issuing lock (see header), then the invoice.
  insert into private.invoice_chain_heads (org_id) values (v_org_id) on conflict (org_id) do nothing;
  select * into v_head from private.invoice_chain_heads h where h.org_id = v_org_id for update;
  select * into v_inv from public.invoices i where i.id = p_invoice_id for update;
  if v_inv.status <> 'draft' then
    raise exception 'Invoice % is already issued (status: %)', v_inv.number, v_inv.status using errcode = 'P0001';
  end if;
  if not exists (select from public.invoice_lines l where l.org_id = v_org_id and l.invoice_id = p_invoice_id) then
    raise exception 'Invoice has no lines: nothing to issue' using errcode = 'P0001';
  end if;
  select * into v_org from public.organizations o where o.id = v_org_id;
  select * into v_client from public.clients c where c.org_id = v_org_id and c.id = v_inv.client_id;
  if v_inv.kind = 'credit_note' then
    select * into v_orig from public.invoices i where i.org_id = v_org_id and i.id = v_inv.credited_invoice_id;
  end if;

  -- 2. Dates. "Today" is read after the lock (clock time, organization's day).
  v_today := private.org_today(v_org_id);
  v_inv.issue_date := coalesce(v_inv.issue_date, v_today);
  if v_inv.issue_date > v_today then
    raise exception 'Issue date % is in the future', v_inv.issue_date using errcode = 'P0001';
  end if;
  -- Chronology: never before the last issued document of the series (all years).
  select i.number, i.issue_date into v_last
  from public.invoices i
  where i.org_id = v_org_id and i.series = v_inv.series and i.sequence is not null
  order by i.fiscal_year desc, i.sequence desc
  limit 1;
  if found and v_inv.issue_date < v_last.issue_date then
    raise exception 'Issue date % is earlier than % issued on %: numbering must stay chronological',
      v_inv.issue_date, v_last.number, v_last.issue_date using errcode = 'P0001';
  end if;
  v_inv.fiscal_year := extract(year from v_inv.issue_date);
  if v_inv.kind = 'credit_note' then
    v_inv.service_date := coalesce(v_inv.service_date, v_orig.service_date);
    v_inv.due_date := coalesce(v_inv.due_date, v_inv.issue_date);
    v_inv.payment_terms := coalesce(v_inv.payment_terms,
      pg_catalog.format('Avoir à imputer sur la facture %s', v_orig.number));
  else
    v_terms := coalesce(v_client.payment_terms_days, v_org.default_payment_terms_days);
    v_inv.due_date := coalesce(v_inv.due_date, v_inv.issue_date + v_terms);
    v_inv.payment_terms := coalesce(v_inv.payment_terms,
      case when v_inv.due_date = v_inv.issue_date then 'Paiement à réception de facture'
           else pg_catalog.format('Paiement à %s jours, échéance le %s',
                  v_inv.due_date - v_inv.issue_date, pg_catalog.to_char(v_inv.due_date, 'DD/MM/YYYY')) end);
  end if;
  if v_inv.due_date < v_inv.issue_date then
    raise exception 'Due date % is before the issue date %', v_inv.due_date, v_inv.issue_date using errcode = 'P0001';
  end if;

  -- 3. Legal mentions, as the issued row will carry them.
  v_inv.status := 'issued';
  v_missing := private.invoice_missing_mentions(v_inv);
  if cardinality(v_missing) > 0 then
    raise exception 'Invoice cannot be issued, missing legal mentions: %', pg_catalog.array_to_string(v_missing, ', ')
      using errcode = 'P0001';
  end if;

  -- 4. The number (gapless: commits or rolls back with this transaction).
  v_inv.sequence := private.next_document_sequence(v_org_id, v_inv.series, v_inv.fiscal_year);
  v_inv.number := private.document_number(v_inv.series, v_inv.fiscal_year, v_inv.sequence);

  -- 5. Frozen content and the chain.
  select coalesce(sum(l.line_ht_cents), 0), coalesce(sum(l.line_vat_cents), 0)
  into v_inv.total_ht_cents, v_inv.total_vat_cents
  from public.invoice_lines l
  where l.org_id = v_org_id and l.invoice_id = p_invoice_id;
  v_inv.legal_mentions := private.invoice_legal_mentions(v_inv);
  v_inv.legal_mentions_ok := true;
  -- Clock time, read under the lock: issued_at follows the issue order (now()
  -- would be the start of a transaction that may have queued behind others).
  v_inv.issued_at := pg_catalog.clock_timestamp();
  v_inv.issued_by := auth.uid();
  v_inv.chain_position := v_head.last_position + 1;
  v_inv.prev_hash := v_head.last_row_hash;
  v_inv.row_hash := private.invoice_row_hash(v_inv);

  perform pg_catalog.set_config('terrain.invoicing_op', 'issue', true);
  update public.invoices i
  set status = 'issued', number = v_inv.number, fiscal_year = v_inv.fiscal_year, sequence = v_inv.sequence,
      issue_date = v_inv.issue_date, service_date = v_inv.service_date, due_date = v_inv.due_date,
      payment_terms = v_inv.payment_terms, legal_mentions = v_inv.legal_mentions, legal_mentions_ok = true,
      chain_position = v_inv.chain_position, prev_hash = v_inv.prev_hash, row_hash = v_inv.row_hash,
      issued_at = v_inv.issued_at, issued_by = v_inv.issued_by
  where i.id = p_invoice_id;
  perform pg_catalog.set_config('terrain.invoicing_op', '', true);

  update private.invoice_chain_heads h
  set last_position = v_inv.chain_position, last_invoice_id = p_invoice_id, last_row_hash = v_inv.row_hash, updated_at = now()
  where h.org_id = v_org_id;

  return pg_catalog.jsonb_build_object(
    'id', p_invoice_id, 'number', v_inv.number, 'status', 'issued', 'issue_date', v_inv.issue_date,
    'due_date', v_inv.due_date, 'total_ttc_cents', v_inv.total_ht_cents + v_inv.total_vat_cents,
    'row_hash', v_inv.row_hash);
end;
$$;
comment on function public.issue_invoice(uuid) is
  'RPC: issues a draft invoice or credit note (gapless chronological number, legal mentions frozen, hash chain). Roles owner, admin, accountant.';
-- Explicit: on a Supabase project, default privileges grant EXECUTE on new public functions to anon.
revoke all on function public.issue_invoice(uuid) from public, anon;
grant execute on function public.issue_invoice(uuid) to authenticated, service_role;

-- -----------------------------------------------------------------------------
-- mark_invoice_sent
-- -----------------------------------------------------------------------------

-- Called by the PDF edge function once the PDF of an issued document is
-- rendered and stored: records its SHA-256 (exactly once) and makes the
-- document "sent". Replaying the call with the same hash returns the same
-- answer and changes nothing (the function may retry); another hash is refused.
-- Roles: owner, admin, accountant (or the system actor: the edge function).
create function public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_org_id uuid;
  v_hash   text := lower(p_pdf_sha256);
  v_inv    public.invoices;
begin
  if p_pdf_sha256 is null or p_pdf_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    raise exception 'Invalid PDF hash: expected the SHA-256 of the PDF as 64 hexadecimal characters' using errcode = '22023';
  end if;
  select i.org_id into v_org_id from public.invoices i where i.id = p_invoice_id;
  if not found then
    raise exception 'Invoice % not found', p_invoice_id using errcode = 'P0002';
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'mark_invoice_sent', pg_catalog.format('Invoice %s', p_invoice_id));

  select * into v_inv from public.invoices i where i.id = p_invoice_id for update;
  if v_inv.status = 'draft' then
    raise exception 'Invoice must be issued before it is sent' using errcode = 'P0001';
  end if;
  if v_inv.status = 'issued' then
    perform pg_catalog.set_config('terrain.invoicing_op', 'send', true);
    update public.invoices i set status = 'sent', pdf_sha256 = v_hash, sent_at = now()
    where i.id = p_invoice_id
    returning * into v_inv;
    perform pg_catalog.set_config('terrain.invoicing_op', '', true);
  elsif v_inv.pdf_sha256 is distinct from v_hash then
    raise exception 'Invoice % is locked (status: %)', v_inv.number, v_inv.status using errcode = 'P0001';
  end if;

  return pg_catalog.jsonb_build_object(
    'id', v_inv.id, 'number', v_inv.number, 'pdf_sha256', v_inv.pdf_sha256, 'sent_at', v_inv.sent_at);
end;
$$;
comment on function public.mark_invoice_sent(uuid, text) is
  'RPC (PDF edge function): records the PDF SHA-256 of an issued document, once, and marks it sent. Same hash again: no-op.';
-- Explicit: on a Supabase project, default privileges grant EXECUTE on new public functions to anon.
revoke all on function public.mark_invoice_sent(uuid, text) from public, anon;
grant execute on function public.mark_invoice_sent(uuid, text) to authenticated, service_role;

-- -----------------------------------------------------------------------------
-- verify_invoice_chain
-- -----------------------------------------------------------------------------

-- Walks an organization's issued documents in issue order and recomputes the
-- chain. Returns one row: ok, how many documents were checked, and for the
-- first broken one its id, number and the reason:
--   * a position is missing (an issued document was deleted);
--   * prev_hash is not the previous document's row_hash (a link was rewritten);
--   * row_hash does not match the content (the document or its lines changed);
--   * the chain head records more documents than exist (the latest were deleted).
-- Roles: owner, admin, accountant (or the system actor).
create function public.verify_invoice_chain(p_org_id uuid)
returns table (ok boolean, checked bigint, invoice_id uuid, number text, reason text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  r          public.invoices;
  v_prev     text;
  v_expected bigint := 1;
  v_head     private.invoice_chain_heads;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'verify_invoice_chain', pg_catalog.format('Organization %s', p_org_id));
  for r in
    select * from public.invoices i
    where i.org_id = p_org_id and i.chain_position is not null
    order by i.chain_position
  loop
    if r.chain_position <> v_expected then
      return query select false, v_expected - 1, r.id, r.number,
        pg_catalog.format('chain position %s is missing: an issued document before %s was removed', v_expected, r.number);
      return;
    end if;
    if r.prev_hash is distinct from v_prev then
      return query select false, v_expected - 1, r.id, r.number,
        'prev_hash does not match the row_hash of the previous document'::text;
      return;
    end if;
    if r.row_hash is distinct from private.invoice_row_hash(r) then
      return query select false, v_expected - 1, r.id, r.number,
        'row_hash does not match the document content'::text;
      return;
    end if;
    v_prev := r.row_hash;
    v_expected := v_expected + 1;
  end loop;

  select * into v_head from private.invoice_chain_heads h where h.org_id = p_org_id;
  if coalesce(v_head.last_position, 0) <> v_expected - 1 or v_head.last_row_hash is distinct from v_prev then
    return query select false, v_expected - 1, v_head.last_invoice_id, null::text,
      pg_catalog.format('the chain head records %s issued documents ending with hash %s: the latest were removed or rewritten',
                        coalesce(v_head.last_position, 0), coalesce(v_head.last_row_hash, 'none'));
    return;
  end if;
  return query select true, v_expected - 1, null::uuid, null::text, null::text;
end;
$$;
comment on function public.verify_invoice_chain(uuid) is
  'RPC: recomputes an organization''s invoice hash chain; returns ok, or the first broken document (number) and why.';
-- Explicit: on a Supabase project, default privileges grant EXECUTE on new public functions to anon.
revoke all on function public.verify_invoice_chain(uuid) from public, anon;
grant execute on function public.verify_invoice_chain(uuid) to authenticated, service_role;
