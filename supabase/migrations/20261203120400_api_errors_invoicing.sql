-- API errors, invoicing: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.authorize_invoicing(p_org_id uuid, p_allowed member_role[], p_action text, p_what text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  if private.is_system_actor() then
    return;
  end if;
  if private.member_role_in(p_org_id) is null then
    perform private.raise_api_error('not_found', pg_catalog.format('%s not found', p_what));
  end if;
  if not private.has_role_in(p_org_id, p_allowed) then
    perform private.raise_api_error('forbidden_role', pg_catalog.format('Permission denied: %s requires one of the roles %s', p_action, pg_catalog.array_to_string(p_allowed, ', ')));
  end if;
end;
$function$;

CREATE OR REPLACE FUNCTION private.derive_invoice_fields()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'draft' or new.number is not null or new.sequence is not null or new.fiscal_year is not null
       or new.chain_position is not null or new.row_hash is not null or new.prev_hash is not null
       or new.legal_mentions is not null or new.issued_at is not null or new.pdf_sha256 is not null
       or new.sent_at is not null or new.paid_at is not null then
      perform private.raise_api_error('rule_violation', 'New invoices start as drafts: numbers are assigned by issue_invoice()');
    end if;
    if new.total_ht_cents <> 0 or new.total_vat_cents <> 0 then
      perform private.raise_api_error('computed_field', 'Invoice totals are computed by the database from its lines');
    end if;
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.issued_by := null;
  elsif old.status <> 'draft' then
    return new;  -- locked: guard_invoice_updates() allowed only status markers to move
  else
    if (new.total_ht_cents, new.total_vat_cents) is distinct from (old.total_ht_cents, old.total_vat_cents) then
      perform private.raise_api_error('computed_field', 'Invoice totals are computed by the database from its lines');
    end if;
    select coalesce(sum(l.line_ht_cents), 0), coalesce(sum(l.line_vat_cents), 0)
    into new.total_ht_cents, new.total_vat_cents
    from public.invoice_lines l
    where l.org_id = new.org_id and l.invoice_id = new.id;
  end if;

  -- For a draft: are the mentions complete (the issuing UPDATE sets true itself).
  if new.status = 'draft' then
    new.legal_mentions_ok := coalesce(cardinality(private.invoice_missing_mentions(new)) = 0, false);
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.guard_invoice_line_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_org_id     uuid;
  v_invoice_id uuid;
  v_status     public.invoice_status;
  v_number     text;
begin
  if tg_op = 'UPDATE' and (new.invoice_id <> old.invoice_id or new.org_id <> old.org_id) then
    perform private.raise_api_error('rule_violation', 'Invoice lines cannot move to another invoice');
  end if;
  if tg_op = 'DELETE' then
    v_org_id := old.org_id; v_invoice_id := old.invoice_id;
  else
    v_org_id := new.org_id; v_invoice_id := new.invoice_id;
  end if;

  select i.status, i.number into v_status, v_number
  from public.invoices i
  where i.org_id = v_org_id and i.id = v_invoice_id
  for no key update;
  -- Not found: an insert then fails on the foreign key; a delete is the
  -- cascade of the draft's own deletion.
  if found and v_status <> 'draft' then
    perform private.raise_api_error('invoice_locked', pg_catalog.format('Invoice %s is locked (status: %s)', v_number, v_status));
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$function$;

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

CREATE OR REPLACE FUNCTION private.guard_payments()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_inv public.invoices;
begin
  if tg_op = 'DELETE' then
    if old.invoice_id is not null then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is matched to an invoice and cannot be deleted', coalesce(old.external_ref, old.id::text)));
    end if;
    return old;
  end if;

  if tg_op = 'UPDATE' then
    -- Only one change exists: matching an unmatched payment to an invoice.
    if old.invoice_id is not null or new.invoice_id is null
       or (pg_catalog.to_jsonb(new) - array['invoice_id', 'matched_at']) <> (pg_catalog.to_jsonb(old) - array['invoice_id', 'matched_at']) then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Payment %s is recorded: only matching an unmatched payment to an invoice is allowed', coalesce(old.external_ref, old.id::text)));
    end if;
    new.matched_at := now();
  else
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.matched_at := case when new.invoice_id is not null then now() end;
  end if;

  if new.invoice_id is not null then
    select * into v_inv from public.invoices i where i.org_id = new.org_id and i.id = new.invoice_id;
    if found and v_inv.kind <> 'invoice' then
      perform private.raise_api_error('rule_violation', pg_catalog.format('A payment cannot be recorded against a credit note (%s)', v_inv.number));
    end if;
    if found and v_inv.status = 'draft' then
      perform private.raise_api_error('rule_violation', 'A payment cannot be recorded against a draft invoice');
    end if;
    -- Not found: the foreign key refuses it.
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.validate_credit_note()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_orig     public.invoices;
  v_issuing  boolean := tg_op = 'UPDATE' and old.status = 'draft' and new.status = 'issued';
  v_credited bigint;
  v_this     bigint;
begin
  if new.kind <> 'credit_note' then
    return new;
  end if;
  -- Locked credit notes: guard_invoice_updates() already allowed only markers.
  if tg_op = 'UPDATE' and old.status <> 'draft' then
    return new;
  end if;

  if new.credited_invoice_id is null then
    perform private.raise_api_error('validation_failed', 'A credit note must reference the invoice it credits');
  end if;
  if v_issuing then
    select * into v_orig from public.invoices i
    where i.org_id = new.org_id and i.id = new.credited_invoice_id
    for update;
  else
    select * into v_orig from public.invoices i
    where i.org_id = new.org_id and i.id = new.credited_invoice_id;
  end if;

  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Credited invoice %s not found in this organization', new.credited_invoice_id));
  end if;
  if v_orig.kind <> 'invoice' then
    perform private.raise_api_error('rule_violation', pg_catalog.format('A credit note cannot credit another credit note (%s)', v_orig.number));
  end if;
  if v_orig.status = 'draft' then
    perform private.raise_api_error('rule_violation', 'A credit note must reference an issued invoice: the credited invoice is a draft (edit or delete the draft instead)');
  end if;
  if v_orig.client_id <> new.client_id then
    perform private.raise_api_error('rule_violation', pg_catalog.format('A credit note must be for the client of the invoice it credits (%s)', v_orig.number));
  end if;

  if v_issuing then
    select coalesce(sum(c.total_ht_cents + c.total_vat_cents), 0) into v_credited
    from public.invoices c
    where c.org_id = new.org_id and c.credited_invoice_id = new.credited_invoice_id
      and c.kind = 'credit_note' and c.status <> 'draft' and c.id <> new.id;
    -- total_ttc_cents is generated, hence NULL in NEW here: add its parts.
    v_this := new.total_ht_cents + new.total_vat_cents;
    if v_credited + v_this > v_orig.total_ttc_cents then
      perform private.raise_api_error('rule_violation', pg_catalog.format('Credit notes for invoice %s would exceed its total: %s invoiced, %s already credited, %s on this credit note', v_orig.number, private.format_cents(v_orig.total_ttc_cents), private.format_cents(v_credited), private.format_cents(v_this)));
    end if;
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION public.issue_invoice(p_invoice_id uuid)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
    perform private.raise_api_error('not_found', pg_catalog.format('Invoice %s not found', p_invoice_id));
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'issue_invoice', pg_catalog.format('Invoice %s', p_invoice_id));

  -- 1. The organization's issuing lock (see header), then the invoice.
  insert into private.invoice_chain_heads (org_id) values (v_org_id) on conflict (org_id) do nothing;
  select * into v_head from private.invoice_chain_heads h where h.org_id = v_org_id for update;
  select * into v_inv from public.invoices i where i.id = p_invoice_id for update;
  if v_inv.status <> 'draft' then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Invoice %s is already issued (status: %s)', v_inv.number, v_inv.status));
  end if;
  if not exists (select from public.invoice_lines l where l.org_id = v_org_id and l.invoice_id = p_invoice_id) then
    perform private.raise_api_error('rule_violation', 'Invoice has no lines: nothing to issue');
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
    perform private.raise_api_error('rule_violation', pg_catalog.format('Issue date %s is in the future', v_inv.issue_date));
  end if;
  -- Chronology: never before the last issued document of the series (all years).
  select i.number, i.issue_date into v_last
  from public.invoices i
  where i.org_id = v_org_id and i.series = v_inv.series and i.sequence is not null
  order by i.fiscal_year desc, i.sequence desc
  limit 1;
  if found and v_inv.issue_date < v_last.issue_date then
    perform private.raise_api_error('rule_violation', pg_catalog.format('Issue date %s is earlier than %s issued on %s: numbering must stay chronological', v_inv.issue_date, v_last.number, v_last.issue_date));
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
    perform private.raise_api_error('rule_violation', pg_catalog.format('Due date %s is before the issue date %s', v_inv.due_date, v_inv.issue_date));
  end if;

  -- 3. Legal mentions, as the issued row will carry them.
  v_inv.status := 'issued';
  v_missing := private.invoice_missing_mentions(v_inv);
  if cardinality(v_missing) > 0 then
    perform private.raise_api_error('rule_violation', pg_catalog.format('Invoice cannot be issued, missing legal mentions: %s', pg_catalog.array_to_string(v_missing, ', ')));
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

CREATE OR REPLACE FUNCTION private.invoice_mission(p_mission_id uuid)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_mission    public.missions;
  v_org        public.organizations;
  v_site       public.sites;
  v_invoice_id uuid;
  v_timesheets uuid[];
  v_stock_rows integer;
  v_unapproved integer;
  v_context    text := coalesce(pg_catalog.current_setting('terrain.system_context', true), '');
begin
  select m.* into v_mission from public.missions m where m.id = p_mission_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Mission %s not found', p_mission_id));
  end if;
  perform private.authorize_invoicing(v_mission.org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'bulk_invoice_missions', pg_catalog.format('Mission %s', p_mission_id));

  -- Lock the mission: a concurrent bulk call over the same mission waits, then
  -- finds it invoiced.
  select m.* into v_mission from public.missions m where m.id = p_mission_id for update;
  if v_mission.status <> 'done' then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Mission %s is not done (status: %s)', p_mission_id, v_mission.status));
  end if;
  select o.* into v_org from public.organizations o where o.id = v_mission.org_id;
  select s.* into v_site from public.sites s where s.org_id = v_mission.org_id and s.id = v_mission.site_id;

  -- Hours not yet approved would be left behind once the mission is invoiced.
  select count(*) into v_unapproved
  from public.timesheets t
  where t.org_id = v_mission.org_id and t.mission_id = p_mission_id and t.approved_at is null;
  if v_unapproved > 0 then
    perform private.raise_api_error('rule_violation', pg_catalog.format('Mission %s has %s unapproved timesheet(s): approve them before invoicing', p_mission_id, v_unapproved));
  end if;

  select coalesce(array_agg(t.id order by t.work_date, t.id), '{}') into v_timesheets
  from (select t.id, t.work_date
        from public.timesheets t
        where t.org_id = v_mission.org_id and t.mission_id = p_mission_id and not t.invoiced
        for update) t;
  select count(distinct sm.item_id) into v_stock_rows
  from public.stock_movements sm
  where sm.org_id = v_mission.org_id and sm.mission_id = p_mission_id and sm.kind = 'out';

  if cardinality(v_timesheets) = 0 and v_stock_rows = 0 then
    perform private.raise_api_error('rule_violation', pg_catalog.format('Mission %s has nothing to invoice (no approved timesheet, no stock used)', p_mission_id));
  end if;
  if cardinality(v_timesheets) > 0 and v_org.hourly_rate_cents is null then
    perform private.raise_api_error('rule_violation', pg_catalog.format('Organization %s has no hourly rate: set organizations.hourly_rate_cents to invoice hours', v_org.name));
  end if;

  insert into public.invoices (org_id, client_id, kind, service_date, notes)
  values (v_mission.org_id, v_mission.client_id, 'invoice',
          (coalesce(v_mission.completed_at, now()) at time zone v_org.timezone)::date,
          pg_catalog.format('Intervention « %s » — %s, %s', v_mission.title, v_site.name,
                            concat_ws(' ', v_site.address, v_site.postal_code, v_site.city)))
  returning id into v_invoice_id;

  -- Labour: one line per approved timesheet, then parts: one line per item.
  insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate,
                                    mission_id, timesheet_id, stock_item_id)
  select v_mission.org_id, v_invoice_id, row_number() over (order by src.sort_group, src.sort_key),
         src.description, src.quantity, src.unit, src.unit_price_cents, src.vat_rate,
         p_mission_id, src.timesheet_id, src.stock_item_id
  from (
    select 1 as sort_group, pg_catalog.to_char(t.work_date, 'YYYYMMDD') || t.id::text as sort_key,
           pg_catalog.format('Main d''œuvre — %s — %s', coalesce(p.full_name, 'technicien'),
                             pg_catalog.to_char(t.work_date, 'DD/MM/YYYY')) as description,
           t.hours::numeric as quantity, 'h' as unit, v_org.hourly_rate_cents as unit_price_cents,
           v_org.labour_vat_rate as vat_rate, t.id as timesheet_id, null::uuid as stock_item_id
    from public.timesheets t
    left join public.profiles p on p.id = t.technician_id
    where t.org_id = v_mission.org_id and t.id = any (v_timesheets)
    union all
    select 2, i.sku,
           pg_catalog.format('%s (réf. %s)', i.name, i.sku),
           sum(sm.quantity), i.unit, i.price_cents,
           i.vat_rate::public.fr_vat_rate, null::uuid, i.id
    from public.stock_movements sm
    join public.stock_items i on i.org_id = sm.org_id and i.id = sm.item_id
    where sm.org_id = v_mission.org_id and sm.mission_id = p_mission_id and sm.kind = 'out'
    group by i.id, i.sku, i.name, i.unit, i.price_cents, i.vat_rate
  ) src;

  -- The contract with the mission state machine and the timesheet lock: these
  -- two moves are allowed only in the invoicing system context.
  perform pg_catalog.set_config('terrain.system_context', 'invoicing', true);
  update public.missions m set status = 'invoiced' where m.id = p_mission_id;
  update public.timesheets t set invoiced = true, invoice_id = v_invoice_id
  where t.org_id = v_mission.org_id and t.id = any (v_timesheets);
  perform pg_catalog.set_config('terrain.system_context', v_context, true);

  return v_invoice_id;
end;
$function$;

CREATE OR REPLACE FUNCTION public.bulk_invoice_missions(p_mission_ids uuid[])
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_count     integer := coalesce(cardinality(p_mission_ids), 0);
  v_results   jsonb[];
  v_item      record;
  v_invoice   uuid;
  v_succeeded integer := 0;
  v_error     jsonb;
  v_detail    text;
begin
  if p_mission_ids is null then
    perform private.raise_api_error('missing_parameter', 'A list of mission ids is required');
  end if;
  if v_count > 50 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('At most 50 missions per bulk invoicing (got %s)', v_count));
  end if;
  if array_ndims(p_mission_ids) > 1 then
    perform private.raise_api_error('invalid_parameter', 'Mission ids must be a one-dimensional list');
  end if;
  if auth.uid() is null and not private.is_system_actor() then
    perform private.raise_api_error('authentication_required', 'Authentication required');
  end if;
  v_results := array_fill(null::jsonb, array[v_count]);

  for v_item in
    select u.id, u.ord from unnest(p_mission_ids) with ordinality as u (id, ord) order by u.id, u.ord
  loop
    begin
      v_invoice := private.invoice_mission(v_item.id);
      v_results[v_item.ord] := pg_catalog.jsonb_build_object('id', v_item.id, 'ok', true, 'error', null, 'code', null, 'invoice_id', v_invoice);
      v_succeeded := v_succeeded + 1;
    exception when others then
      get stacked diagnostics v_detail = pg_exception_detail;
      v_error := private.api_error_parts(sqlstate, sqlerrm, v_detail);
      v_results[v_item.ord] := pg_catalog.jsonb_build_object('id', v_item.id, 'ok', false, 'error', v_error ->> 'message',
                                                             'code', v_error -> 'code', 'invoice_id', null);
    end;
  end loop;

  return pg_catalog.jsonb_build_object(
    'results', coalesce(pg_catalog.to_jsonb(v_results), '[]'::jsonb),
    'summary', pg_catalog.jsonb_build_object('requested', v_count, 'succeeded', v_succeeded, 'failed', v_count - v_succeeded));
end;
$function$;
