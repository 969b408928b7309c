-- An issued invoice may carry the SHA-256 of its stored PDF before it is sent.
--
-- Until now pdf_sha256 and sent_at moved together (mark_invoice_sent set both):
-- the hash was whatever the sender reported. The invoice-pdf function now
-- stores the rendered bytes in public.invoice_pdfs and records their hash on
-- the invoice in the same transaction (store_invoice_pdf, next migration), so
-- the hash exists as soon as the document is rendered, while the invoice is
-- still "issued". What stays true:
--   * a draft never has a PDF hash;
--   * a sent, partially paid or paid invoice always has one, and sent_at;
--   * once recorded, the hash never changes (guard_invoice_updates);
--   * mark_invoice_sent accepts only the recorded hash when there is one, so
--     the document sent is the document stored.

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('pdf_hash_mismatch', 409, 'P0001',
   'The PDF does not match the SHA-256 already recorded on the invoice: the document sent must be the document stored.');

-- Same name as before (the ops health-check tests drop it by name to simulate
-- a corrupted row).
alter table public.invoices drop constraint invoices_sent_has_pdf;
alter table public.invoices add constraint invoices_sent_has_pdf check (
  (status in ('sent', 'partially_paid', 'paid')) = (sent_at is not null)
  and (sent_at is null or pdf_sha256 is not null)
  and (status <> 'draft' or pdf_sha256 is null)
);

comment on column public.invoices.pdf_sha256 is
  'SHA-256 (hex) of the PDF of the issued document: recorded once, by store_invoice_pdf() (the bytes are in invoice_pdfs) or by mark_invoice_sent(); never changed afterwards. Required once sent.';

-- The guard of invariant 3, with one more forward move:
--   'pdf'  issued → issued, pdf_sha256 recorded once (store_invoice_pdf);
-- and 'send' accepting a hash already recorded (it must stay the same).
create or replace function private.guard_invoice_updates() returns trigger
  language plpgsql
  set search_path = ''
as $$
declare
  v_op    text := case when current_user::text not in ('anon', 'authenticated')
                         then coalesce(pg_catalog.current_setting('terrain.invoicing_op', true), '') else '' end;
  v_send  constant text[] := array['status', 'pdf_sha256', 'sent_at', 'updated_at', 'series', 'total_ttc_cents'];
  v_pdf   constant text[] := array['pdf_sha256', 'updated_at', 'series', 'total_ttc_cents'];
  v_pay   constant text[] := array['status', 'paid_at', 'updated_at', 'series', 'total_ttc_cents'];
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', old.number, old.status));
    end if;
    return old;
  end if;

  if old.status = 'draft' then
    if new.id <> old.id or new.org_id <> old.org_id then
      perform private.raise_api_error('rule_violation', 'An invoice cannot move to another organization');
    end if;
    if v_op = 'issue' then
      return new;  -- the issuing UPDATE of issue_invoice()
    end if;
    if (new.status, new.number, new.fiscal_year, new.sequence, new.chain_position, new.prev_hash, new.row_hash,
        new.legal_mentions, new.issued_at, new.issued_by, new.pdf_sha256, new.sent_at, new.paid_at)
       is distinct from
       (old.status, old.number, old.fiscal_year, old.sequence, old.chain_position, old.prev_hash, old.row_hash,
        old.legal_mentions, old.issued_at, old.issued_by, old.pdf_sha256, old.sent_at, old.paid_at) then
      perform private.raise_api_error('rule_violation', 'Invoice status, number and hash chain are set by issue_invoice(), mark_invoice_sent() and reconcile_payments()');
    end if;
    return new;
  end if;

  -- Locked.
  if v_op = 'pdf'
     and old.status = 'issued' and new.status = 'issued'
     and old.pdf_sha256 is null and new.pdf_sha256 is not null
     and (pg_catalog.to_jsonb(new) - v_pdf) = (pg_catalog.to_jsonb(old) - v_pdf) then
    return new;
  end if;
  if v_op = 'send'
     and old.status = 'issued' and new.status = 'sent'
     and new.pdf_sha256 is not null and (old.pdf_sha256 is null or old.pdf_sha256 = new.pdf_sha256)
     and old.sent_at is null and new.sent_at is not null
     and (pg_catalog.to_jsonb(new) - v_send) = (pg_catalog.to_jsonb(old) - v_send) then
    return new;
  end if;
  if v_op = 'payment'
     and old.status in ('sent', 'partially_paid') and new.status in ('partially_paid', 'paid') and new.status > old.status
     and old.paid_at is null and (new.paid_at is not null) = (new.status = 'paid')
     and (pg_catalog.to_jsonb(new) - v_pay) = (pg_catalog.to_jsonb(old) - v_pay) then
    return new;
  end if;
  perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', old.number, old.status));
  return null; -- not reached: raise_api_error never returns (plpgsql_check cannot know it)
end;
$$;

comment on function private.guard_invoice_updates() is
  'Trigger (invariant 3): issued/sent/paid invoices are immutable except the forward moves: PDF hash recorded once, send, payment; only drafts can be deleted.';

-- mark_invoice_sent: when the stored PDF's hash is already on the invoice, the
-- hash reported by the sender must be that one (pdf_hash_mismatch otherwise);
-- when none is recorded yet, the reported hash is recorded as before.
create or replace function public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) returns jsonb
  language plpgsql security definer
  set search_path = ''
as $$
declare
  v_org_id uuid;
  v_hash   text := lower(p_pdf_sha256);
  v_inv    public.invoices;
begin
  if p_pdf_sha256 is null or p_pdf_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    perform private.raise_api_error('invalid_parameter', 'Invalid PDF hash: expected the SHA-256 of the PDF as 64 hexadecimal characters');
  end if;
  select i.org_id into v_org_id from public.invoices i where i.id = p_invoice_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'mark_invoice_sent', pg_catalog.format('Invoice %s', p_invoice_id));

  select * into v_inv from public.invoices i where i.id = p_invoice_id for update;
  if v_inv.status = 'draft' then
    perform private.raise_api_error('invalid_transition', 'Invoice must be issued before it is sent');
  end if;
  if v_inv.pdf_sha256 is not null and v_inv.pdf_sha256 <> v_hash then
    if v_inv.status = 'issued' then
      perform private.raise_api_error('pdf_hash_mismatch', pg_catalog.format(
        'Invoice %s: the PDF hash %s is not the hash of its stored PDF (%s)', v_inv.number, v_hash, v_inv.pdf_sha256));
    end if;
    perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', v_inv.number, v_inv.status));
  end if;
  if v_inv.status = 'issued' then
    perform pg_catalog.set_config('terrain.invoicing_op', 'send', true);
    update public.invoices i set status = 'sent', pdf_sha256 = v_hash, sent_at = now()
    where i.id = p_invoice_id
    returning * into v_inv;
    perform pg_catalog.set_config('terrain.invoicing_op', '', true);
  end if;

  return pg_catalog.jsonb_build_object(
    'id', v_inv.id, 'number', v_inv.number, 'pdf_sha256', v_inv.pdf_sha256, 'sent_at', v_inv.sent_at);
end;
$$;

comment on function public.mark_invoice_sent(uuid, text) is
  'RPC (after the PDF is rendered and stored): marks an issued document sent with its PDF SHA-256 — the stored PDF''s hash when one is recorded (pdf_hash_mismatch otherwise). Same hash again: no-op.';
