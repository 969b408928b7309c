-- =============================================================================
-- Emails to clients: the invoice (PDF attached) and the intervention report
-- when a mission is completed. Both are rows of the email queue addressed to
-- the client (see 20261204110100_email_delivery.sql), one per document: the
-- dedupe key is the document, so queueing twice sends once.
--
-- The sender (send-email) attaches the invoice PDF, and once the provider has
-- accepted the email it records the PDF's SHA-256 with
-- public.mark_invoice_sent (issued → sent). A failure at any step leaves the
-- row pending: the queue retries it with the same idempotency key, so the
-- provider never sends it twice and mark_invoice_sent (same hash: a no-op)
-- completes what was left.
--
-- Clients have no language setting: their emails are in French, the
-- default language of the product (docs/design.md).
-- =============================================================================

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('client_without_email', 422, 'P0001', 'The client has no email address: add one to the client before sending it a document.');

insert into public.notification_templates (type, language, title_template, body_template, critical) values
  ('invoice_sent', 'fr', '{{organization}} : facture {{number}}',
   'Bonjour, veuillez trouver ci-jointe la facture {{number}} d''un montant de {{amount}}, à régler avant le {{due_date}}.', false),
  ('invoice_sent', 'en', '{{organization}}: invoice {{number}}',
   'Hello, please find attached invoice {{number}} for {{amount}}, due on {{due_date}}.', false),
  ('credit_note_sent', 'fr', '{{organization}} : avoir {{number}}',
   'Bonjour, veuillez trouver ci-joint l''avoir {{number}} d''un montant de {{amount}}.', false),
  ('credit_note_sent', 'en', '{{organization}}: credit note {{number}}',
   'Hello, please find attached credit note {{number}} for {{amount}}.', false),
  ('intervention_report', 'fr', '{{organization}} : rapport d''intervention « {{mission}} »',
   'Bonjour, l''intervention « {{mission}} » a été terminée le {{completed_on}} par {{technician}}.', false),
  ('intervention_report', 'en', '{{organization}}: intervention report "{{mission}}"',
   'Hello, the intervention "{{mission}}" was completed on {{completed_on}} by {{technician}}.', false);

-- Queues one email to a client: rendered from the type's French template,
-- deduplicated on the key. A row that failed for good is queued again (a
-- deliberate new request: resumable); a pending or sent row is returned as is.
create function private.queue_client_email(p_org uuid, p_client uuid, p_type text, p_entity_table text, p_entity_id uuid,
                                           p_dedupe_key text, p_params jsonb)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_email text;
  v_tpl   public.notification_templates;
  v_id    uuid;
begin
  select c.email into v_email from public.clients c where c.org_id = p_org and c.id = p_client;
  if v_email is null or pg_catalog.btrim(v_email) = '' then
    perform private.raise_api_error('client_without_email',
      pg_catalog.format('Client %s has no email address', (select c.name from public.clients c where c.org_id = p_org and c.id = p_client)));
  end if;
  v_tpl := private.notification_template(p_type, 'fr');
  insert into public.notifications (org_id, user_id, client_id, recipient_email, channel, type, title, body,
                                    entity_table, entity_id, dedupe_key, params, delivery_status, next_attempt_at)
  values (p_org, null, p_client, pg_catalog.btrim(v_email), 'email', p_type,
          pg_catalog.left(pg_catalog.btrim(private.render_template(v_tpl.title_template, p_params)), 200),
          pg_catalog.left(private.render_template(v_tpl.body_template, p_params), 4000),
          p_entity_table, p_entity_id, p_dedupe_key, p_params, 'pending', pg_catalog.now())
  on conflict (org_id, dedupe_key) do update
    set delivery_status = 'pending', attempts = 0, next_attempt_at = pg_catalog.now(), last_error = null
    where public.notifications.delivery_status = 'failed'
  returning public.notifications.id into v_id;
  if v_id is null then
    select n.id into v_id from public.notifications n where n.org_id = p_org and n.dedupe_key = p_dedupe_key;
  end if;
  return v_id;
end;
$$;

comment on function private.queue_client_email(uuid, uuid, text, text, uuid, text, jsonb) is
  'Queues an email to a client (notifications row with client_id and the client''s address), rendered from the French template; one per dedupe key (a failed one is queued again). 422 client_without_email when the client has no address.';

revoke all on function private.queue_client_email(uuid, uuid, text, text, uuid, text, jsonb) from public;

create function public.send_invoice(p_invoice_id uuid)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_inv public.invoices;
begin
  if p_invoice_id is null then
    perform private.raise_api_error('missing_parameter', 'send_invoice needs an invoice id');
  end if;
  select * into v_inv from public.invoices i where i.id = p_invoice_id;
  if v_inv.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  perform private.authorize_invoicing(v_inv.org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'send_invoice', pg_catalog.format('Invoice %s', p_invoice_id));
  if v_inv.status = 'draft' then
    perform private.raise_api_error('invalid_transition', 'Invoice must be issued before it is sent');
  end if;
  -- One email per document, whatever its kind (the dedupe key).
  return private.queue_client_email(
    v_inv.org_id, v_inv.client_id, case v_inv.kind when 'credit_note' then 'credit_note_sent' else 'invoice_sent' end,
    'public.invoices', v_inv.id, 'invoice_sent:' || v_inv.id::text,
    pg_catalog.jsonb_build_object(
      'invoice_id', v_inv.id,
      'number', v_inv.number,
      'amount', private.format_amount(v_inv.total_ttc_cents, 'fr'),
      'due_date', private.format_date(v_inv.due_date, 'fr'),
      'organization', (select o.name from public.organizations o where o.id = v_inv.org_id)));
end;
$$;

comment on function public.send_invoice(uuid) is
  'RPC (owner, admin, accountant): queues the email of an issued invoice or credit note to its client, PDF attached by the sender, which then marks it sent (mark_invoice_sent). Idempotent: one email per document; a failed one is queued again. 409 invalid_transition for a draft, 422 client_without_email.';

revoke all on function public.send_invoice(uuid) from public;
grant execute on function public.send_invoice(uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.send_invoice(uuid)',
   'private.authorize_invoicing checks the caller''s role in the invoice''s organization; definer to queue an email row (notifications are written by definer functions only) with the client''s address.');

-- AFTER UPDATE OF status on missions: the client gets the intervention
-- report when a mission is done. A client without an address gets nothing
-- (completing the mission must not fail for that).
create function private.queue_intervention_report() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select from public.clients c where c.org_id = new.org_id and c.id = new.client_id
             and coalesce(pg_catalog.btrim(c.email), '') <> '') then
    perform private.queue_client_email(
      new.org_id, new.client_id, 'intervention_report', 'public.missions', new.id, 'intervention_report:' || new.id::text,
      pg_catalog.jsonb_build_object(
        'mission_id', new.id,
        'mission', new.title,
        'completed_on', (select private.format_date((coalesce(new.completed_at, pg_catalog.now()) at time zone o.timezone)::date, 'fr')
                         from public.organizations o where o.id = new.org_id),
        'technician', coalesce((select nullif(pg_catalog.btrim(p.full_name), '') from public.profiles p where p.id = new.technician_id), 'notre technicien'),
        'organization', (select o.name from public.organizations o where o.id = new.org_id)));
  end if;
  return null;
end;
$$;

comment on function private.queue_intervention_report() is 'Trigger: when a mission becomes done, queues the intervention report email to its client (if the client has an address).';
revoke all on function private.queue_intervention_report() from public;

create trigger missions_intervention_report
after update of status on public.missions
for each row
when (new.status = 'done' and old.status is distinct from new.status)
execute function private.queue_intervention_report();
