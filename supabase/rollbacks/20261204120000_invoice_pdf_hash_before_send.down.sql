-- Down file of supabase/migrations/20261204120000_invoice_pdf_hash_before_send.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from private.api_errors where code = 'pdf_hash_mismatch';

-- triggers, policies, constraints and indexes it added to existing tables
alter table public.invoices drop constraint invoices_sent_has_pdf;

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.guard_invoice_updates()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_op    text := case when current_user::text not in ('anon', 'authenticated')
                         then coalesce(pg_catalog.current_setting('terrain.invoicing_op', true), '') else '' end;
  v_send  constant text[] := array['status', 'pdf_sha256', 'sent_at', 'updated_at', 'series', 'total_ttc_cents'];
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
  if v_op = 'send'
     and old.status = 'issued' and new.status = 'sent'
     and old.pdf_sha256 is null and new.pdf_sha256 is not null
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
$function$;

CREATE OR REPLACE FUNCTION public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
  if v_inv.status = 'issued' then
    perform pg_catalog.set_config('terrain.invoicing_op', 'send', true);
    update public.invoices i set status = 'sent', pdf_sha256 = v_hash, sent_at = now()
    where i.id = p_invoice_id
    returning * into v_inv;
    perform pg_catalog.set_config('terrain.invoicing_op', '', true);
  elsif v_inv.pdf_sha256 is distinct from v_hash then
    perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', v_inv.number, v_inv.status));
  end if;

  return pg_catalog.jsonb_build_object(
    'id', v_inv.id, 'number', v_inv.number, 'pdf_sha256', v_inv.pdf_sha256, 'sent_at', v_inv.sent_at);
end;
$function$;


-- triggers, policies, constraints and indexes it replaced, as they were
alter table public.invoices add constraint invoices_sent_has_pdf CHECK ((((status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status, 'paid'::public.invoice_status])) = ((pdf_sha256 IS NOT NULL) AND (sent_at IS NOT NULL))) AND ((pdf_sha256 IS NULL) = (sent_at IS NULL))));

-- comments it changed on existing objects
comment on function private.guard_invoice_updates() is 'Trigger (invariant 3): issued/sent/paid invoices are immutable except the forward send and payment moves; only drafts can be deleted.';
comment on function public.mark_invoice_sent(pg_catalog.uuid,pg_catalog.text) is 'RPC (PDF edge function): records the PDF SHA-256 of an issued document, once, and marks it sent. Same hash again: no-op.';
comment on column public.invoices.pdf_sha256 is null;
