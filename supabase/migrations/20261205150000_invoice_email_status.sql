-- =============================================================================
-- Where the email of an invoice stands, for the office.
--
-- send_invoice() queues one email per document (dedupe key
-- 'invoice_sent:<invoice id>') addressed to the client. Notification rows are
-- readable only by their recipient user, and a client is not a user: the
-- accountant who sent the invoice cannot read the row through RLS. This
-- function answers the one question the invoicing screen asks — queued, sent
-- or failed, and why — for the staff who may send the invoice, without opening
-- the queue (other recipients, other bodies) to them.
-- =============================================================================

-- Returns {invoice_id, notification_id, delivery_status (null: never queued;
-- pending | sent | failed), recipient_email, attempts, last_error,
-- next_attempt_at, sent_at, queued_at}.
-- Roles: owner, admin, accountant (those who may send it); 404 otherwise as
-- private.authorize_invoicing answers.
create function public.invoice_email_status(p_invoice_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_org_id uuid;
  v_row    public.notifications;
begin
  if p_invoice_id is null then
    perform private.raise_api_error('missing_parameter', 'invoice_email_status needs an invoice id');
  end if;
  select i.org_id into v_org_id from public.invoices i where i.id = p_invoice_id;
  if v_org_id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'invoice_email_status', pg_catalog.format('Invoice %s', p_invoice_id));

  -- The key send_invoice() writes; (org_id, dedupe_key) is unique and indexed.
  select n.* into v_row from public.notifications n
  where n.org_id = v_org_id and n.dedupe_key = 'invoice_sent:' || p_invoice_id::text;

  return pg_catalog.jsonb_build_object(
    'invoice_id', p_invoice_id,
    'notification_id', v_row.id,
    'delivery_status', v_row.delivery_status,
    'recipient_email', v_row.recipient_email,
    'attempts', v_row.attempts,
    'last_error', v_row.last_error,
    'next_attempt_at', v_row.next_attempt_at,
    'sent_at', v_row.sent_at,
    'queued_at', v_row.created_at);
end;
$$;

comment on function public.invoice_email_status(uuid) is
  'RPC (owner, admin, accountant): the delivery state of the email send_invoice() queued for this invoice or credit note (delivery_status null when none was queued), with the attempts and the last error; 404 for an invoice the caller cannot see.';

revoke all on function public.invoice_email_status(uuid) from public;
grant execute on function public.invoice_email_status(uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.invoice_email_status(uuid)',
   'private.authorize_invoicing checks the caller''s role in the invoice''s organization; definer to read the one queue row of the invoice''s email, which RLS keeps to its recipient (a client is no user).');
