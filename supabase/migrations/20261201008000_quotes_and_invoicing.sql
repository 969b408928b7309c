-- =============================================================================
-- Baseline: quotes, invoices, credit notes, payments and document numbering.
--
-- French invoicing rules, enforced by the database (docs/design.md invariants
-- 2 to 5): numbers per organization, series and year, chronological and
-- gapless; an issued invoice never changes (triggers invoices_10_guard and
-- invoice_lines_10_guard; error invoice_locked in docs/errors.md); each
-- organization's invoices form a hash chain; a credit note never credits more
-- than the invoice's total.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

CREATE TYPE public.invoice_kind AS ENUM (
    'invoice',
    'credit_note'
);

COMMENT ON TYPE public.invoice_kind IS 'invoice (series FAC) or credit_note (avoir, series AV).';

-- Declared in graph order: status > old status means "moved forward".
CREATE TYPE public.invoice_status AS ENUM (
    'draft',
    'issued',
    'sent',
    'partially_paid',
    'paid'
);

COMMENT ON TYPE public.invoice_status IS 'draft → issued → sent → partially_paid → paid (forward only; issued and later are locked). Credit notes stop at sent.';

CREATE TYPE public.quote_status AS ENUM (
    'draft',
    'sent',
    'accepted',
    'rejected',
    'expired'
);

COMMENT ON TYPE public.quote_status IS 'draft → sent → accepted | rejected | expired.';

-- Role check shared by the invoicing RPCs. The system actor
-- (private.is_system_actor(): no end user, a role that bypasses RLS) skips
-- it; data rules still apply to it. A caller who is not a member of the
-- document's organization learns nothing about it: "not found" (P0002), the
-- same answer as for an id that does not exist. A member without the right
-- role gets 42501, which PostgREST maps to 403.
CREATE FUNCTION private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

-- BEFORE INSERT OR UPDATE on invoices: new invoices start as drafts; a
-- draft's totals are recomputed from its lines on every update (the lines'
-- statement trigger touches the invoice) and its legal_mentions_ok reflects
-- the current data. Client-written totals are refused like a write to a
-- generated column (428C9). Issued rows are left alone (locked).
CREATE FUNCTION private.derive_invoice_fields() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

COMMENT ON FUNCTION private.derive_invoice_fields() IS 'Trigger: invoices are inserted as drafts; draft totals come from the lines (never from clients); legal_mentions_ok is computed.';

REVOKE ALL ON FUNCTION private.derive_invoice_fields() FROM PUBLIC;

-- BEFORE INSERT OR UPDATE on quotes: new quotes start as drafts, and the
-- totals of a draft are recomputed from its lines on every update (the lines'
-- statement trigger touches the quote). A client-supplied total is refused
-- with the SQLSTATE of a write to a generated column.
CREATE FUNCTION private.derive_quote_fields() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'draft' or new.number is not null or new.sequence is not null or new.fiscal_year is not null
       or new.issue_date is not null or new.sent_at is not null or new.decided_at is not null then
      perform private.raise_api_error('rule_violation', 'New quotes start as drafts: numbers are assigned by send_quote()');
    end if;
    if new.total_ht_cents <> 0 or new.total_vat_cents <> 0 then
      perform private.raise_api_error('computed_field', 'Quote totals are computed by the database from its lines');
    end if;
    new.created_by := coalesce(auth.uid(), new.created_by);
    return new;
  end if;

  if old.status <> 'draft' then
    return new;  -- frozen: guard_quote_updates() already refused any content change
  end if;
  if (new.total_ht_cents, new.total_vat_cents) is distinct from (old.total_ht_cents, old.total_vat_cents) then
    perform private.raise_api_error('computed_field', 'Quote totals are computed by the database from its lines');
  end if;
  select coalesce(sum(l.line_ht_cents), 0), coalesce(sum(l.line_vat_cents), 0)
  into new.total_ht_cents, new.total_vat_cents
  from public.quote_lines l
  where l.org_id = new.org_id and l.quote_id = new.id;
  return new;
end;
$$;

COMMENT ON FUNCTION private.derive_quote_fields() IS 'Trigger: quotes are inserted as drafts; draft totals are recomputed from the lines and never written by clients.';

REVOKE ALL ON FUNCTION private.derive_quote_fields() FROM PUBLIC;

-- DEV-2026-00042: series, fiscal year, sequence left-padded to 5 digits.
-- Beyond 99,999 documents a year the number simply grows (lpad would truncate).
CREATE FUNCTION private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select p_series || '-' || p_fiscal_year::text || '-'
         || pg_catalog.lpad(p_sequence::text, greatest(5, length(p_sequence::text)), '0')
$$;

-- For a scheduled job (pg_cron): sent quotes past
-- their validity date become expired. Runs as the system actor.
CREATE FUNCTION private.expire_quotes() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_count integer;
begin
  update public.quotes q
  set status = 'expired'
  where q.status = 'sent' and q.valid_until < private.org_today(q.org_id);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

COMMENT ON FUNCTION private.expire_quotes() IS 'Marks sent quotes past their validity date as expired; returns how many.';

REVOKE ALL ON FUNCTION private.expire_quotes() FROM PUBLIC;

-- 123456 -> '1234.56 EUR', for error messages and legal texts.
CREATE FUNCTION private.format_cents(p_cents bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select pg_catalog.to_char(p_cents / 100.0, 'FM999999999999990.00') || ' EUR'
$$;

-- Quote lines and invoice lines share their two triggers, told which document
-- they guard by their trigger argument ('quote' or 'invoice'): the table is
-- public.<document>s, the lines' reference column <document>_id.
--
-- BEFORE INSERT OR UPDATE OR DELETE on quote_lines / invoice_lines: only a
-- draft's lines change ("Invoice FAC-2026-00001 is locked (status: sent)"
-- otherwise). The document row is locked FOR NO KEY UPDATE: send_quote() and
-- issue_invoice() lock it FOR UPDATE, so a line written concurrently with the
-- send/issue is either seen by it (totals, hash) or refused; it can never
-- slip in after the number.
CREATE FUNCTION private.guard_document_line_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  -- 'quote' or 'invoice', from the trigger definition.
  v_document    text := tg_argv[0];
  v_line        jsonb;
  v_org_id      uuid;
  v_document_id uuid;
  v_status      text;
  v_number      text;
begin
  if v_document is null or v_document not in ('quote', 'invoice') then
    raise exception 'guard_document_line_changes: trigger argument must be quote or invoice, got %', v_document
      using errcode = '39P01';
  end if;

  if tg_op = 'UPDATE'
     and (pg_catalog.to_jsonb(new) -> (v_document || '_id') <> pg_catalog.to_jsonb(old) -> (v_document || '_id')
          or new.org_id <> old.org_id) then
    perform private.raise_api_error('rule_violation',
      pg_catalog.format('%s lines cannot move to another %s', pg_catalog.initcap(v_document), v_document));
  end if;

  v_line := pg_catalog.to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_org_id := (v_line ->> 'org_id')::uuid;
  v_document_id := (v_line ->> (v_document || '_id'))::uuid;

  -- The table name is one of two fixed values checked above; %I quotes it anyway.
  execute pg_catalog.format(
    'select d.status::text, d.number from public.%I d where d.org_id = $1 and d.id = $2 for no key update',
    v_document || 's')
    into v_status, v_number
    using v_org_id, v_document_id;
  -- Not found: an insert then fails on the foreign key; a delete is the
  -- cascade of the draft's own deletion.
  if v_status is not null and v_status <> 'draft' then
    perform private.raise_api_error(v_document || '_locked',
      pg_catalog.format('%s %s is locked (status: %s)', pg_catalog.initcap(v_document), v_number, v_status));
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$_$;

COMMENT ON FUNCTION private.guard_document_line_changes() IS 'Trigger (invariant 3), argument quote or invoice: lines of a sent quote or issued invoice cannot be inserted, updated or deleted; locks the document row against a concurrent send/issue.';

REVOKE ALL ON FUNCTION private.guard_document_line_changes() FROM PUBLIC;

-- BEFORE UPDATE OR DELETE on invoices (invariant 3).
-- * Drafts: free, except the columns issuing owns (status, number, chain,
--   mentions snapshot, sent/paid markers), which only issue_invoice() sets.
-- * Issued and later: locked. The only changes are the forward moves, each
--   made by its function inside its context (transaction-local setting
--   terrain.invoicing_op, honoured only when current_user is trusted code:
--   the SECURITY DEFINER function runs as its owner, while an API role that
--   set the setting itself is still anon/authenticated; hence this trigger
--   is deliberately not SECURITY DEFINER):
--     'send'    issued → sent, pdf_sha256 and sent_at set exactly once;
--     'payment' sent → partially_paid → paid (or sent → paid), paid_at once.
--   Anything else, even a no-op UPDATE: "Invoice FAC-2026-00001 is locked (status: sent)".
-- * Only drafts can be deleted.
-- The generated columns (series, total_ttc_cents) are NULL in NEW during a
-- BEFORE trigger, so they are left out of the comparisons; they follow the
-- columns that are compared.
CREATE FUNCTION private.guard_invoice_updates() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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
$$;

COMMENT ON FUNCTION private.guard_invoice_updates() IS 'Trigger (invariant 3): issued/sent/paid invoices are immutable except the forward send and payment moves; only drafts can be deleted.';

REVOKE ALL ON FUNCTION private.guard_invoice_updates() FROM PUBLIC;

-- BEFORE INSERT OR UPDATE OR DELETE on payments.
CREATE FUNCTION private.guard_payments() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

COMMENT ON FUNCTION private.guard_payments() IS 'Trigger: payments go against issued invoices (not credit notes, not drafts); a matched payment is never changed nor deleted; an unmatched one can be matched once or deleted.';

REVOKE ALL ON FUNCTION private.guard_payments() FROM PUBLIC;

-- BEFORE UPDATE OR DELETE on quotes. Drafts are free, except the columns
-- send_quote() owns. Sent quotes are frozen; only the decision moves.
-- Not SECURITY DEFINER on purpose: the send context (transaction-local
-- setting terrain.invoicing_op) is honoured only when current_user is trusted
-- code (send_quote() runs as its owner), never for an API role that would
-- set the setting itself.
CREATE FUNCTION private.guard_quote_updates() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  -- Columns a decision may change; everything else is frozen once sent.
  -- total_ttc_cents is generated: NULL in NEW during a BEFORE trigger, so it is
  -- left out of the comparison (it follows the two totals that are compared).
  v_decision_cols constant text[] := array['status', 'decided_at', 'updated_at', 'total_ttc_cents'];
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      perform private.raise_api_error('quote_locked', pg_catalog.format('Quote %s is locked (status: %s)', old.number, old.status));
    end if;
    return old;
  end if;

  if new.id <> old.id or new.org_id <> old.org_id then
    perform private.raise_api_error('rule_violation', 'A quote cannot move to another organization');
  end if;

  if old.status = 'draft' then
    -- send_quote() sets its context for the single UPDATE that sends.
    if coalesce(pg_catalog.current_setting('terrain.invoicing_op', true), '') = 'quote_send'
       and current_user::text not in ('anon', 'authenticated') then
      return new;
    end if;
    if new.status <> 'draft' then
      perform private.raise_api_error('invalid_transition', pg_catalog.format('Invalid quote transition: draft → %s (quotes are sent with send_quote())', new.status));
    end if;
    if (new.number, new.fiscal_year, new.sequence, new.issue_date, new.sent_at, new.decided_at)
       is distinct from (old.number, old.fiscal_year, old.sequence, old.issue_date, old.sent_at, old.decided_at) then
      perform private.raise_api_error('rule_violation', 'Quote numbers and dates are set by send_quote()');
    end if;
    return new;
  end if;

  -- Sent or decided: the content is what the client saw.
  if (pg_catalog.to_jsonb(new) - v_decision_cols) is distinct from (pg_catalog.to_jsonb(old) - v_decision_cols)
     or new.status = old.status then
    perform private.raise_api_error('quote_locked', pg_catalog.format('Quote %s is locked (status: %s)', old.number, old.status));
  end if;
  if not (old.status = 'sent' and new.status in ('accepted', 'rejected', 'expired')) then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Invalid quote transition: %s → %s', old.status, new.status));
  end if;
  if new.status = 'accepted' and private.org_today(new.org_id) > old.valid_until then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Quote %s expired on %s: it can no longer be accepted', old.number, old.valid_until));
  end if;
  new.decided_at := now();
  return new;
end;
$$;

COMMENT ON FUNCTION private.guard_quote_updates() IS 'Trigger: drafts are editable (not their number); sent quotes are frozen except sent → accepted | rejected | expired; only drafts can be deleted.';

REVOKE ALL ON FUNCTION private.guard_quote_updates() FROM PUBLIC;

-- Invoices one mission (the caller has been authorized for its organization).
-- Raises with a readable message when the mission cannot be invoiced; the
-- bulk function runs it in a subtransaction per mission.
CREATE FUNCTION private.invoice_mission(p_mission_id uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

-- Takes the lock on a counter row (creating it at 0 the first time) and
-- returns the value handed out last. Callers that must compute a date after
-- the lock (so that numbers and dates stay in the same order) call this first,
-- then private.next_document_sequence().
CREATE FUNCTION private.lock_document_counter(p_org_id uuid, p_series text, p_fiscal_year integer) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_last bigint;
begin
  -- ON CONFLICT DO NOTHING waits for a concurrent creator of the same row, so
  -- two first issuers of a year never both start at 1.
  insert into private.invoice_counters (org_id, series, fiscal_year)
  values (p_org_id, p_series, p_fiscal_year)
  on conflict (org_id, series, fiscal_year) do nothing;

  select c.last_value into v_last
  from private.invoice_counters c
  where c.org_id = p_org_id and c.series = p_series and c.fiscal_year = p_fiscal_year
  for update;
  return v_last;
end;
$$;

CREATE FUNCTION private.next_document_sequence(p_org_id uuid, p_series text, p_fiscal_year integer) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_next bigint;
begin
  perform private.lock_document_counter(p_org_id, p_series, p_fiscal_year);
  update private.invoice_counters c
  set last_value = c.last_value + 1, updated_at = now()
  where c.org_id = p_org_id and c.series = p_series and c.fiscal_year = p_fiscal_year
  returning c.last_value into v_next;
  return v_next;
end;
$$;

-- "Today" is the organization's calendar day (Europe/Paris by default), not
-- the server's: an invoice issued at 00:30 in Lyon on 1 January belongs to the
-- new fiscal year although it is still 23:30 UTC. clock_timestamp() rather
-- than now(): callers compute it after waiting for a lock, and now() is frozen
-- at the start of the (possibly long-waiting) transaction.
CREATE FUNCTION private.org_today(p_org_id uuid) RETURNS date
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select (pg_catalog.clock_timestamp() at time zone o.timezone)::date
  from public.organizations o
  where o.id = p_org_id
$$;

-- AFTER … FOR EACH STATEMENT on quote_lines / invoice_lines: touch each
-- affected draft once, which recomputes its totals (derive_quote_fields /
-- derive_invoice_fields). One UPDATE per document per statement, however many
-- lines the statement wrote. The transition table is old_lines for DELETE,
-- new_lines otherwise (the triggers' REFERENCING clauses).
CREATE FUNCTION private.refresh_document_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_document text := tg_argv[0];
begin
  if v_document is null or v_document not in ('quote', 'invoice') then
    raise exception 'refresh_document_totals: trigger argument must be quote or invoice, got %', v_document
      using errcode = '39P01';
  end if;

  execute pg_catalog.format(
    'update public.%I d set updated_at = pg_catalog.now()'
    ' where d.status = ''draft'' and d.id in (select distinct l.%I from %I l)',
    v_document || 's', v_document || '_id',
    case when tg_op = 'DELETE' then 'old_lines' else 'new_lines' end);
  return null;
end;
$$;

COMMENT ON FUNCTION private.refresh_document_totals() IS 'Statement trigger, argument quote or invoice: recomputes the totals of the drafts whose lines changed.';

REVOKE ALL ON FUNCTION private.refresh_document_totals() FROM PUBLIC;

-- -----------------------------------------------------------------------------
-- Quote and invoice lines compute stored generated columns from the quantity
-- (round(quantity * unit_price_cents)::bigint). Postgres computes them after
-- BEFORE triggers but before CHECK constraints, so a NaN quantity used to be
-- refused by the cast with 0A000 "cannot convert NaN to bigint", an error
-- that names neither the column nor the rule. This trigger runs first and
-- refuses it as the quantity_finite constraint would (23514, with the
-- constraint, table and column in the error fields). The infinities never get
-- here: numeric(12,3) refuses them as the value is parsed (22003).
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.refuse_non_finite_line_quantity() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if new.quantity in ('NaN', 'Infinity', '-Infinity') then
    raise exception '% quantity must be a finite number (got %)',
      case tg_table_name when 'quote_lines' then 'Quote line' else 'Invoice line' end, new.quantity
      using errcode = '23514', schema = tg_table_schema, table = tg_table_name, column = 'quantity',
            constraint = tg_table_name || '_quantity_finite';
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION private.refuse_non_finite_line_quantity() IS 'Refuses a NaN line quantity (23514, constraint <table>_quantity_finite) before the generated line totals cast it to bigint.';

REVOKE ALL ON FUNCTION private.refuse_non_finite_line_quantity() FROM PUBLIC;

CREATE FUNCTION private.validate_credit_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

COMMENT ON FUNCTION private.validate_credit_note() IS 'Trigger (invariant 5): a credit note credits an issued invoice of the same organization and client; at issue, all issued credit notes of the invoice together never exceed its total TTC (invoice row locked).';

REVOKE ALL ON FUNCTION private.validate_credit_note() FROM PUBLIC;

-- Up to 50 missions per call, each in its own subtransaction: one bad mission
-- (not done, another organization, unapproved hours, nothing billable) is
-- reported and never blocks the others. 50 subtransactions stay under the
-- 64 subtransaction ids a backend caches, so other sessions' snapshots do not
-- overflow to pg_subtrans. Missions are processed in id order (lock order:
-- two bulk calls over the same missions queue instead of deadlocking); the
-- results keep the caller's order.
-- Returns {results: [{id, ok, error, invoice_id}], summary: {requested, succeeded, failed}}.
-- Roles: owner, admin, accountant (or the system actor).
CREATE FUNCTION public.bulk_invoice_missions(p_mission_ids uuid[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

-- Issues a draft invoice or credit note: number FAC-YYYY-NNNNN / AV-YYYY-NNNNN
-- per organization, series and fiscal year (year of the issue date, which
-- defaults to today in the organization's timezone), gapless and
-- chronological; legal mentions checked and frozen; hash-chained.
-- Every check runs before the counter moves, and the counter moves in this
-- transaction: a refused or rolled-back issue leaves no gap.
-- Roles: owner, admin, accountant (or the system actor).
CREATE FUNCTION public.issue_invoice(p_invoice_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
$$;

-- Called by the PDF edge function once the PDF of an issued document is
-- rendered and stored: records its SHA-256 (exactly once) and makes the
-- document "sent". Replaying the call with the same hash returns the same
-- answer and changes nothing (the function may retry); another hash is refused.
-- Roles: owner, admin, accountant (or the system actor: the edge function).
CREATE FUNCTION public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

-- For every issued invoice of the organization:
--   net due  = total TTC − issued credit notes crediting it
--   received = sum of its payments
-- received ≥ net due → paid; 0 < received < net due → partially_paid (only
-- from sent/partially_paid: an invoice counts as sent, and can be paid, only
-- once its PDF hash is recorded). Status never moves back.
-- Report (jsonb, lists ordered by number / paid_on):
--   paid_count      invoices in status paid
--   partial         [{invoice_id, number, status, due_cents, received_cents, remaining_cents}]
--   overpaid        [{invoice_id, number, status, due_cents, received_cents, excess_cents}]
--   unmatched       [{payment_id, external_ref, amount_cents, paid_on, method, label}]
--   awaiting_pdf    [{invoice_id, number, due_cents, received_cents}]  issued, not sent, with money received
-- Roles: owner, admin, accountant (or the system actor, e.g. a nightly job).
CREATE FUNCTION public.reconcile_payments(p_org_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_report jsonb;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'reconcile_payments', pg_catalog.format('Organization %s', p_org_id));

  -- 1. Move covered invoices forward. Only rows whose status actually changes
  --    are updated, so a second run writes nothing.
  perform pg_catalog.set_config('terrain.invoicing_op', 'payment', true);
  with pos as (
    select i.id,
           i.status,
           i.total_ttc_cents - coalesce((select sum(c.total_ttc_cents) from public.invoices c
                                         where c.org_id = i.org_id and c.credited_invoice_id = i.id
                                           and c.kind = 'credit_note' and c.status <> 'draft'), 0) as due_cents,
           coalesce((select sum(p.amount_cents) from public.payments p
                     where p.org_id = i.org_id and p.invoice_id = i.id), 0) as received_cents
    from public.invoices i
    where i.org_id = p_org_id and i.kind = 'invoice' and i.status in ('sent', 'partially_paid')
  ),
  target as (
    select ps.id,
           case when ps.received_cents >= ps.due_cents then 'paid'::public.invoice_status
                when ps.received_cents > 0 then 'partially_paid'::public.invoice_status
                else ps.status end as status
    from pos ps
  )
  update public.invoices i
  set status = t.status,
      paid_at = case when t.status = 'paid' then now() end
  from target t
  where i.id = t.id and i.org_id = p_org_id and t.status > i.status;
  perform pg_catalog.set_config('terrain.invoicing_op', '', true);

  -- 2. The report, from the state after step 1.
  with pos as (
    select i.id, i.number, i.status, i.sequence, i.fiscal_year,
           i.total_ttc_cents - coalesce((select sum(c.total_ttc_cents) from public.invoices c
                                         where c.org_id = i.org_id and c.credited_invoice_id = i.id
                                           and c.kind = 'credit_note' and c.status <> 'draft'), 0) as due_cents,
           coalesce((select sum(p.amount_cents) from public.payments p
                     where p.org_id = i.org_id and p.invoice_id = i.id), 0) as received_cents
    from public.invoices i
    where i.org_id = p_org_id and i.kind = 'invoice' and i.status <> 'draft'
  )
  select pg_catalog.jsonb_build_object(
    'org_id', p_org_id,
    'paid_count', (select count(*) from pos where status = 'paid'),
    'partial', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', id, 'number', number, 'status', status, 'due_cents', due_cents,
               'received_cents', received_cents, 'remaining_cents', due_cents - received_cents)
             order by fiscal_year, sequence)
      from pos where status <> 'issued' and received_cents > 0 and received_cents < due_cents), '[]'::jsonb),
    'overpaid', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', id, 'number', number, 'status', status, 'due_cents', due_cents,
               'received_cents', received_cents, 'excess_cents', received_cents - due_cents)
             order by fiscal_year, sequence)
      from pos where status <> 'issued' and received_cents > due_cents), '[]'::jsonb),
    'awaiting_pdf', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'invoice_id', id, 'number', number, 'due_cents', due_cents, 'received_cents', received_cents)
             order by fiscal_year, sequence)
      from pos where status = 'issued' and received_cents > 0), '[]'::jsonb),
    'unmatched', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'payment_id', p.id, 'external_ref', p.external_ref, 'amount_cents', p.amount_cents,
               'paid_on', p.paid_on, 'method', p.method, 'label', p.label)
             order by p.paid_on, p.external_ref)
      from public.payments p where p.org_id = p_org_id and p.invoice_id is null), '[]'::jsonb)
  ) into v_report
  from (select 1) as one;

  return v_report;
end;
$$;

-- Sends a draft quote: assigns DEV-YYYY-NNNNN and today's date. The counter of
-- the year is locked before the clock is read, so numbers and dates advance
-- together even when senders queue on the lock across midnight.
-- Roles: owner, admin, dispatcher, accountant (or the system actor).
CREATE FUNCTION public.send_quote(p_quote_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_org_id uuid;
  v_quote  public.quotes;
  v_year   integer;
  v_today  date;
  v_seq    bigint;
  v_number text;
  v_valid  date;
begin
  select q.org_id into v_org_id from public.quotes q where q.id = p_quote_id;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('Quote %s not found', p_quote_id));
  end if;
  perform private.authorize_invoicing(v_org_id, array['owner', 'admin', 'dispatcher', 'accountant']::public.member_role[],
                                      'send_quote', pg_catalog.format('Quote %s', p_quote_id));

  select * into v_quote from public.quotes q where q.id = p_quote_id for update;
  if v_quote.status <> 'draft' then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('Quote %s is already sent (status: %s)', v_quote.number, v_quote.status));
  end if;
  if not exists (select from public.quote_lines l where l.org_id = v_org_id and l.quote_id = p_quote_id) then
    perform private.raise_api_error('rule_violation', 'Quote has no lines: nothing to send');
  end if;

  v_year := extract(year from private.org_today(v_org_id));
  loop
    perform private.lock_document_counter(v_org_id, 'DEV', v_year);
    v_today := private.org_today(v_org_id);
    exit when extract(year from v_today) = v_year;
    v_year := extract(year from v_today);  -- the year turned while we waited
  end loop;

  v_valid := coalesce(v_quote.valid_until, v_today + 30);
  if v_valid < v_today then
    perform private.raise_api_error('rule_violation', pg_catalog.format('Quote validity date %s is already past', v_valid));
  end if;
  v_seq := private.next_document_sequence(v_org_id, 'DEV', v_year);
  v_number := private.document_number('DEV', v_year, v_seq);

  perform pg_catalog.set_config('terrain.invoicing_op', 'quote_send', true);
  update public.quotes q
  set status = 'sent', number = v_number, fiscal_year = v_year, sequence = v_seq,
      issue_date = v_today, valid_until = v_valid, sent_at = now()
  where q.id = p_quote_id
  returning * into v_quote;
  perform pg_catalog.set_config('terrain.invoicing_op', '', true);

  return pg_catalog.jsonb_build_object(
    'id', v_quote.id, 'number', v_quote.number, 'issue_date', v_quote.issue_date,
    'valid_until', v_quote.valid_until, 'total_ttc_cents', v_quote.total_ttc_cents);
end;
$$;

-- Walks an organization's issued documents in issue order and recomputes the
-- chain. Returns one row: ok, how many documents were checked, and for the
-- first broken one its id, number and the reason:
--   * a position is missing (an issued document was deleted);
--   * prev_hash is not the previous document's row_hash (a link was rewritten);
--   * row_hash does not match the content (the document or its lines changed);
--   * the chain head records more documents than exist (the latest were deleted).
-- Roles: owner, admin, accountant (or the system actor).
CREATE FUNCTION public.verify_invoice_chain(p_org_id uuid) RETURNS TABLE(ok boolean, checked bigint, invoice_id uuid, number text, reason text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

CREATE TABLE public.invoices (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    -- No cascade: issued invoices are kept 10 years (C. com. L123-22); deleting
    -- an organization that has some must fail, not erase them.
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    kind public.invoice_kind DEFAULT 'invoice'::public.invoice_kind NOT NULL,
    series text GENERATED ALWAYS AS (
CASE kind
    WHEN 'invoice'::public.invoice_kind THEN 'FAC'::text
    ELSE 'AV'::text
END) STORED NOT NULL,
    -- For credit notes: the invoice they correct (same organization and client).
    credited_invoice_id uuid,
    status public.invoice_status DEFAULT 'draft'::public.invoice_status NOT NULL,
    -- Assigned by issue_invoice(); null while draft.
    number text,
    fiscal_year integer,
    sequence bigint,
    -- issue_date defaults to the issuing day in the organization's timezone;
    -- service_date is the date of the service (mandatory mention); due_date
    -- defaults to issue_date + the client's or organization's payment terms.
    issue_date date,
    service_date date,
    due_date date,
    payment_terms text,
    notes text,
    -- Computed from invoice_lines by triggers; a client write is refused (428C9).
    total_ht_cents bigint DEFAULT 0 NOT NULL,
    total_vat_cents bigint DEFAULT 0 NOT NULL,
    total_ttc_cents bigint GENERATED ALWAYS AS ((total_ht_cents + total_vat_cents)) STORED,
    -- Snapshot of the legal identities and texts printed on the document, taken
    -- at issue (the organization may move later; the invoice must not change).
    legal_mentions jsonb,
    -- Drafts: "ready to issue" as far as the mentions go. Issued: always true
    -- (issuing is refused otherwise).
    legal_mentions_ok boolean DEFAULT false NOT NULL,
    -- Per-organization hash chain over all issued documents in issue order.
    chain_position bigint,
    prev_hash text,
    row_hash text,
    -- SHA-256 (hex) of the PDF that was sent; set once by mark_invoice_sent().
    pdf_sha256 text,
    issued_at timestamp with time zone,
    sent_at timestamp with time zone,
    paid_at timestamp with time zone,
    -- Who drafted and who issued. No foreign keys on purpose: the record
    -- outlives the accounts, and "on delete set null" would rewrite locked rows.
    created_by uuid,
    issued_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invoices_credit_note_no_payment_status CHECK (((kind = 'invoice'::public.invoice_kind) OR (status = ANY (ARRAY['draft'::public.invoice_status, 'issued'::public.invoice_status, 'sent'::public.invoice_status])))),
    CONSTRAINT invoices_credit_note_reference CHECK (((kind = 'credit_note'::public.invoice_kind) = (credited_invoice_id IS NOT NULL))),
    CONSTRAINT invoices_due_after_issue CHECK (((due_date IS NULL) OR (issue_date IS NULL) OR (due_date >= issue_date))),
    CONSTRAINT invoices_issued_fields CHECK ((((status = 'draft'::public.invoice_status) AND (number IS NULL) AND (fiscal_year IS NULL) AND (sequence IS NULL) AND (chain_position IS NULL) AND (prev_hash IS NULL) AND (row_hash IS NULL) AND (legal_mentions IS NULL) AND (issued_at IS NULL)) OR ((status <> 'draft'::public.invoice_status) AND (sequence >= 1) AND ((fiscal_year)::numeric = EXTRACT(year FROM issue_date)) AND (number = private.document_number(
CASE kind
    WHEN 'invoice'::public.invoice_kind THEN 'FAC'::text
    ELSE 'AV'::text
END, fiscal_year, sequence)) AND (issue_date IS NOT NULL) AND (service_date IS NOT NULL) AND (due_date IS NOT NULL) AND (legal_mentions IS NOT NULL) AND legal_mentions_ok AND (issued_at IS NOT NULL) AND (chain_position >= 1) AND (row_hash IS NOT NULL) AND ((prev_hash IS NULL) = (chain_position = 1))))),
    CONSTRAINT invoices_notes_check CHECK (((notes IS NULL) OR (length(notes) <= 10000))),
    CONSTRAINT invoices_paid_at CHECK (((status = 'paid'::public.invoice_status) = (paid_at IS NOT NULL))),
    CONSTRAINT invoices_payment_terms_check CHECK (((payment_terms IS NULL) OR (length(payment_terms) <= 500))),
    CONSTRAINT invoices_pdf_sha256_check CHECK (((pdf_sha256 IS NULL) OR (pdf_sha256 ~ '^[0-9a-f]{64}$'::text))),
    CONSTRAINT invoices_prev_hash_check CHECK (((prev_hash IS NULL) OR (prev_hash ~ '^[0-9a-f]{64}$'::text))),
    CONSTRAINT invoices_row_hash_check CHECK (((row_hash IS NULL) OR (row_hash ~ '^[0-9a-f]{64}$'::text))),
    CONSTRAINT invoices_sent_has_pdf CHECK ((((status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status, 'paid'::public.invoice_status])) = ((pdf_sha256 IS NOT NULL) AND (sent_at IS NOT NULL))) AND ((pdf_sha256 IS NULL) = (sent_at IS NULL)))),
    CONSTRAINT invoices_total_ht_cents_check CHECK ((total_ht_cents >= 0)),
    CONSTRAINT invoices_total_vat_cents_check CHECK ((total_vat_cents >= 0))
);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_number_key UNIQUE (org_id, number);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_org_client_id_key UNIQUE (org_id, client_id, id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_credited_invoice_fkey FOREIGN KEY (org_id, client_id, credited_invoice_id) REFERENCES public.invoices(org_id, client_id, id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);

-- Issued but not yet sent: the PDF job's queue.
CREATE INDEX invoices_awaiting_pdf_idx ON public.invoices USING btree (org_id, issued_at) WHERE (status = 'issued'::public.invoice_status);

CREATE UNIQUE INDEX invoices_chain_position_key ON public.invoices USING btree (org_id, chain_position) WHERE (chain_position IS NOT NULL);

-- Credit notes of an invoice (sum rule, reconciliation; also serves the foreign key).
CREATE INDEX invoices_credited_idx ON public.invoices USING btree (org_id, credited_invoice_id, client_id) WHERE (credited_invoice_id IS NOT NULL);

-- Invariant 2, whatever happens upstream: one number per series and year.
-- Partial (issued documents only): drafts have no number, and issue_invoice()
-- reads "the last issued document of the series" as the first entry of a
-- backward scan, which must not wade through drafts first.
CREATE UNIQUE INDEX invoices_sequence_key ON public.invoices USING btree (org_id, series, fiscal_year, sequence) WHERE (sequence IS NOT NULL);

-- Overdue alerts (7 / 30 days) scan only unpaid sent invoices.
CREATE INDEX invoices_unpaid_due_idx ON public.invoices USING btree (org_id, due_date) INCLUDE (id, number, client_id, total_ttc_cents, status) WHERE ((kind = 'invoice'::public.invoice_kind) AND (status = ANY (ARRAY['sent'::public.invoice_status, 'partially_paid'::public.invoice_status])));

ALTER TABLE public.invoices ENABLE ROW LEVEL SECURITY;

CREATE POLICY invoices_delete ON public.invoices FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY invoices_insert ON public.invoices FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- invoices -------------------------------------------------------------------
-- The organization test comes first, as one indexable conjunct: both branches
-- imply that org_id is one of the caller's organizations (staff or client
-- member), so "org_id = any(those)" changes no answer (the pgTAP matrix
-- suites 50–54 prove visibility) and is an index condition on every index
-- that leads with org_id. Postgres cannot turn an OR of array parameters into
-- an index condition: without it an accountant listing unpaid invoices read
-- 40,003 entries of invoices_unpaid_due_idx to keep 400 (18 ms instead of
-- 0.3 ms without RLS, at one million missions).

CREATE POLICY invoices_select ON public.invoices FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant,client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])) AND (status <> 'draft'::public.invoice_status)))));

CREATE POLICY invoices_update ON public.invoices FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- BEFORE triggers fire in name order: the guard sees the caller's values,
-- then derived fields, then the credit-note rules, then updated_at.
CREATE TRIGGER invoices_10_guard BEFORE DELETE OR UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION private.guard_invoice_updates();

CREATE TRIGGER invoices_20_derive BEFORE INSERT OR UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION private.derive_invoice_fields();

CREATE TRIGGER invoices_30_credit_note BEFORE INSERT OR UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION private.validate_credit_note();

CREATE TRIGGER invoices_90_touch BEFORE UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.invoices IS 'Invoices (FAC) and credit notes (AV): numbered gaplessly at issue, locked from then on, hash-chained per organization; totals computed from invoice_lines.';

COMMENT ON COLUMN public.invoices.series IS 'FAC for invoices, AV for credit notes (derived from kind).';

COMMENT ON COLUMN public.invoices.legal_mentions IS 'Frozen at issue: seller and buyer identities, payment terms, early-payment discount, late-penalty rate and text, the 40 EUR recovery indemnity sentence (C. com. D441-5), and for a credit note the number and date of the invoice it corrects.';

COMMENT ON COLUMN public.invoices.row_hash IS 'sha256(prev_hash || private.invoice_canonical(row)), hex. Recomputed by verify_invoice_chain().';

GRANT SELECT,DELETE ON TABLE public.invoices TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoices TO service_role;

GRANT INSERT(id) ON TABLE public.invoices TO authenticated;

GRANT INSERT(org_id) ON TABLE public.invoices TO authenticated;

GRANT INSERT(client_id),UPDATE(client_id) ON TABLE public.invoices TO authenticated;

GRANT INSERT(kind),UPDATE(kind) ON TABLE public.invoices TO authenticated;

GRANT INSERT(credited_invoice_id),UPDATE(credited_invoice_id) ON TABLE public.invoices TO authenticated;

GRANT INSERT(issue_date),UPDATE(issue_date) ON TABLE public.invoices TO authenticated;

GRANT INSERT(service_date),UPDATE(service_date) ON TABLE public.invoices TO authenticated;

GRANT INSERT(due_date),UPDATE(due_date) ON TABLE public.invoices TO authenticated;

GRANT INSERT(payment_terms),UPDATE(payment_terms) ON TABLE public.invoices TO authenticated;

GRANT INSERT(notes),UPDATE(notes) ON TABLE public.invoices TO authenticated;

-- The content an issued document's hash covers, as text: PostgreSQL's jsonb
-- output (keys sorted, no insignificant whitespace) of its identity, number,
-- dates, client, totals, frozen legal mentions and lines in order. Columns
-- with fixed types (numeric(12,3), numeric(3,1)) print identically every time;
-- the only timestamp is rendered in UTC so the session TimeZone cannot change
-- the text. Changing this function changes every hash: bump "format".
CREATE FUNCTION private.invoice_canonical(p_inv public.invoices) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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

-- The mentions printed on the document, frozen at issue.
CREATE FUNCTION private.invoice_legal_mentions(p_inv public.invoices) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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

-- What is missing for the invoice to carry every mandatory mention, as
-- readable labels (empty array: complete). The number is not listed: issuing
-- assigns it, and the check constraint guarantees every issued row has one.
-- Issue date and due date count only for an issued row: issuing fills them
-- from the issuing day and the payment terms when the draft leaves them empty.
-- The indemnity and penalty sentences are generated (invoice_legal_mentions),
-- so what can be missing is the data they need: the penalty rate.
CREATE FUNCTION private.invoice_missing_mentions(p_inv public.invoices) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select array_remove(array[
    case when nullif(btrim(o.name), '') is null then 'seller name' end,
    case when nullif(btrim(o.address_line1), '') is null or nullif(btrim(o.postal_code), '') is null
              or nullif(btrim(o.city), '') is null then 'seller address' end,
    case when o.siren is null then 'seller SIREN' end,
    case when o.vat_number is null then 'seller VAT number' end,
    case when o.late_penalty_rate is null then 'late-payment penalty rate' end,
    case when nullif(btrim(c.name), '') is null then 'client name' end,
    case when nullif(btrim(c.billing_address), '') is null or nullif(btrim(c.billing_postal_code), '') is null
              or nullif(btrim(c.billing_city), '') is null then 'client address' end,
    case when p_inv.service_date is null then 'service date' end,
    case when p_inv.status <> 'draft' and p_inv.issue_date is null then 'issue date' end,
    case when p_inv.status <> 'draft' and p_inv.due_date is null then 'due date' end,
    case when p_inv.due_date > p_inv.issue_date + 60 then 'due date within 60 days of issue' end
  ], null)
  from public.organizations o
  join public.clients c on c.org_id = o.id and c.id = p_inv.client_id
  where o.id = p_inv.org_id
$$;

CREATE FUNCTION private.invoice_row_hash(p_inv public.invoices) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
           coalesce(p_inv.prev_hash, '') || private.invoice_canonical(p_inv), 'UTF8')), 'hex')
$$;

CREATE TABLE private.invoice_chain_heads (
    org_id uuid NOT NULL,
    -- How many documents the organization has issued, and the last one.
    last_position bigint DEFAULT 0 NOT NULL,
    last_invoice_id uuid,
    last_row_hash text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invoice_chain_heads_last_position_check CHECK ((last_position >= 0)),
    CONSTRAINT invoice_chain_heads_last_row_hash_check CHECK (((last_row_hash IS NULL) OR (last_row_hash ~ '^[0-9a-f]{64}$'::text)))
);

ALTER TABLE ONLY private.invoice_chain_heads
    ADD CONSTRAINT invoice_chain_heads_pkey PRIMARY KEY (org_id);

ALTER TABLE ONLY private.invoice_chain_heads
    ADD CONSTRAINT invoice_chain_heads_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE private.invoice_chain_heads ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.invoice_chain_heads IS 'Per-organization head of the invoice hash chain; its row lock serializes issuing within an organization.';

CREATE TABLE private.invoice_counters (
    org_id uuid NOT NULL,
    -- DEV quotes, FAC invoices, AV credit notes (avoirs).
    series text NOT NULL,
    fiscal_year integer NOT NULL,
    last_value bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invoice_counters_fiscal_year_check CHECK (((fiscal_year >= 2000) AND (fiscal_year <= 2999))),
    CONSTRAINT invoice_counters_last_value_check CHECK ((last_value >= 0)),
    CONSTRAINT invoice_counters_series_check CHECK ((series = ANY (ARRAY['DEV'::text, 'FAC'::text, 'AV'::text])))
);

ALTER TABLE ONLY private.invoice_counters
    ADD CONSTRAINT invoice_counters_pkey PRIMARY KEY (org_id, series, fiscal_year);

ALTER TABLE ONLY private.invoice_counters
    ADD CONSTRAINT invoice_counters_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE private.invoice_counters ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.invoice_counters IS 'Last number handed out per organization, series (DEV, FAC, AV) and fiscal year. Incremented under a row lock in the issuing transaction: gapless, never reused.';

CREATE TABLE public.invoice_lines (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    "position" integer DEFAULT 1 NOT NULL,
    description text NOT NULL,
    quantity numeric(12,3) NOT NULL,
    unit text DEFAULT 'u'::text NOT NULL,
    unit_price_cents bigint NOT NULL,
    vat_rate public.fr_vat_rate DEFAULT 20.0 NOT NULL,
    line_ht_cents bigint GENERATED ALWAYS AS ((round((quantity * (unit_price_cents)::numeric)))::bigint) STORED,
    line_vat_cents bigint GENERATED ALWAYS AS ((round(((round((quantity * (unit_price_cents)::numeric)) * (vat_rate)::numeric) / (100)::numeric)))::bigint) STORED,
    -- Where the line comes from (bulk invoicing of missions), each with its
    -- foreign key below.
    mission_id uuid,
    timesheet_id uuid,
    stock_item_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invoice_lines_description_check CHECK (((length(btrim(description)) >= 1) AND (length(btrim(description)) <= 2000))),
    CONSTRAINT invoice_lines_position_check CHECK ((("position" >= 1) AND ("position" <= 10000))),
    CONSTRAINT invoice_lines_quantity_check CHECK ((quantity > (0)::numeric)),
    CONSTRAINT invoice_lines_quantity_finite CHECK ((quantity <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT invoice_lines_unit_check CHECK (((length(btrim(unit)) >= 1) AND (length(btrim(unit)) <= 10))),
    CONSTRAINT invoice_lines_unit_price_cents_check CHECK (((unit_price_cents >= 0) AND (unit_price_cents <= '100000000000'::bigint)))
);

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_invoice_fkey FOREIGN KEY (org_id, invoice_id) REFERENCES public.invoices(org_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_mission_fkey FOREIGN KEY (org_id, mission_id) REFERENCES public.missions(org_id, id);

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_stock_item_fkey FOREIGN KEY (org_id, stock_item_id) REFERENCES public.stock_items(org_id, id);

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_timesheet_fkey FOREIGN KEY (org_id, timesheet_id) REFERENCES public.timesheets(org_id, id);

CREATE INDEX invoice_lines_invoice_idx ON public.invoice_lines USING btree (org_id, invoice_id, "position");

CREATE INDEX invoice_lines_mission_idx ON public.invoice_lines USING btree (org_id, mission_id) WHERE (mission_id IS NOT NULL);

CREATE INDEX invoice_lines_stock_item_idx ON public.invoice_lines USING btree (org_id, stock_item_id) WHERE (stock_item_id IS NOT NULL);

CREATE INDEX invoice_lines_timesheet_idx ON public.invoice_lines USING btree (org_id, timesheet_id) WHERE (timesheet_id IS NOT NULL);

ALTER TABLE public.invoice_lines ENABLE ROW LEVEL SECURITY;

CREATE POLICY invoice_lines_delete ON public.invoice_lines FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY invoice_lines_insert ON public.invoice_lines FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- invoice_lines --------------------------------------------------------------
CREATE POLICY invoice_lines_select ON public.invoice_lines FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (invoice_id IN ( SELECT private.my_client_invoice_ids() AS my_client_invoice_ids)))));

CREATE POLICY invoice_lines_update ON public.invoice_lines FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER invoice_lines_05_quantity_finite BEFORE INSERT OR UPDATE OF quantity ON public.invoice_lines FOR EACH ROW EXECUTE FUNCTION private.refuse_non_finite_line_quantity();

CREATE TRIGGER invoice_lines_10_guard BEFORE INSERT OR DELETE OR UPDATE ON public.invoice_lines FOR EACH ROW EXECUTE FUNCTION private.guard_document_line_changes('invoice');

CREATE TRIGGER invoice_lines_20_totals_del AFTER DELETE ON public.invoice_lines REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION private.refresh_document_totals('invoice');

CREATE TRIGGER invoice_lines_20_totals_ins AFTER INSERT ON public.invoice_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION private.refresh_document_totals('invoice');

CREATE TRIGGER invoice_lines_20_totals_upd AFTER UPDATE ON public.invoice_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION private.refresh_document_totals('invoice');

COMMENT ON TABLE public.invoice_lines IS 'Lines of an invoice or credit note. line_ht = round(quantity × unit price), line_vat = round(line_ht × rate / 100), half up, per line.';

GRANT SELECT,DELETE ON TABLE public.invoice_lines TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.invoice_lines TO service_role;

GRANT INSERT(id) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(org_id) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(invoice_id) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT("position"),UPDATE("position") ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(description),UPDATE(description) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(quantity),UPDATE(quantity) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(unit),UPDATE(unit) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(unit_price_cents),UPDATE(unit_price_cents) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(vat_rate),UPDATE(vat_rate) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(mission_id),UPDATE(mission_id) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(timesheet_id),UPDATE(timesheet_id) ON TABLE public.invoice_lines TO authenticated;

GRANT INSERT(stock_item_id),UPDATE(stock_item_id) ON TABLE public.invoice_lines TO authenticated;

CREATE TABLE public.payments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    -- null: imported and not matched to an invoice yet.
    invoice_id uuid,
    amount_cents bigint NOT NULL,
    method text NOT NULL,
    paid_on date NOT NULL,
    -- Bank transaction id, cheque number, card authorization…
    external_ref text,
    -- The free text of the bank line (helps a human match it).
    label text,
    -- Who recorded it. No foreign key: the record outlives the account.
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    matched_at timestamp with time zone,
    CONSTRAINT payments_amount_cents_check CHECK (((amount_cents > 0) AND (amount_cents <= '100000000000'::bigint))),
    CONSTRAINT payments_external_ref_check CHECK (((external_ref IS NULL) OR ((length(btrim(external_ref)) >= 1) AND (length(btrim(external_ref)) <= 200)))),
    CONSTRAINT payments_label_check CHECK (((label IS NULL) OR (length(label) <= 500))),
    CONSTRAINT payments_method_check CHECK ((method = ANY (ARRAY['transfer'::text, 'card'::text, 'cheque'::text, 'cash'::text, 'direct_debit'::text]))),
    CONSTRAINT payments_unmatched_has_ref CHECK (((invoice_id IS NOT NULL) OR (external_ref IS NOT NULL)))
);

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_external_ref_key UNIQUE (org_id, external_ref);

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_invoice_fkey FOREIGN KEY (org_id, invoice_id) REFERENCES public.invoices(org_id, id);

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);

CREATE INDEX payments_invoice_idx ON public.payments USING btree (org_id, invoice_id) WHERE (invoice_id IS NOT NULL);

-- The reconciliation report and the matching screen list unmatched payments.
CREATE INDEX payments_unmatched_idx ON public.payments USING btree (org_id, paid_on) WHERE (invoice_id IS NULL);

ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;

CREATE POLICY payments_delete ON public.payments FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY payments_insert ON public.payments FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- payments -------------------------------------------------------------------
CREATE POLICY payments_select ON public.payments FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY payments_update ON public.payments FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER payments_guard BEFORE INSERT OR DELETE OR UPDATE ON public.payments FOR EACH ROW EXECUTE FUNCTION private.guard_payments();

COMMENT ON TABLE public.payments IS 'Money received: against an issued invoice, or imported unmatched (invoice_id null, external_ref unique per organization).';

GRANT SELECT,DELETE ON TABLE public.payments TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.payments TO service_role;

GRANT INSERT(id) ON TABLE public.payments TO authenticated;

GRANT INSERT(org_id) ON TABLE public.payments TO authenticated;

GRANT INSERT(invoice_id),UPDATE(invoice_id) ON TABLE public.payments TO authenticated;

GRANT INSERT(amount_cents) ON TABLE public.payments TO authenticated;

GRANT INSERT(method) ON TABLE public.payments TO authenticated;

GRANT INSERT(paid_on) ON TABLE public.payments TO authenticated;

GRANT INSERT(external_ref) ON TABLE public.payments TO authenticated;

GRANT INSERT(label) ON TABLE public.payments TO authenticated;

CREATE TABLE public.quote_lines (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    quote_id uuid NOT NULL,
    "position" integer DEFAULT 1 NOT NULL,
    description text NOT NULL,
    quantity numeric(12,3) NOT NULL,
    unit text DEFAULT 'u'::text NOT NULL,
    -- Up to one billion euros per unit: far beyond any real price, well inside bigint.
    unit_price_cents bigint NOT NULL,
    vat_rate public.fr_vat_rate DEFAULT 20.0 NOT NULL,
    line_ht_cents bigint GENERATED ALWAYS AS ((round((quantity * (unit_price_cents)::numeric)))::bigint) STORED,
    line_vat_cents bigint GENERATED ALWAYS AS ((round(((round((quantity * (unit_price_cents)::numeric)) * (vat_rate)::numeric) / (100)::numeric)))::bigint) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT quote_lines_description_check CHECK (((length(btrim(description)) >= 1) AND (length(btrim(description)) <= 2000))),
    CONSTRAINT quote_lines_position_check CHECK ((("position" >= 1) AND ("position" <= 10000))),
    CONSTRAINT quote_lines_quantity_check CHECK ((quantity > (0)::numeric)),
    CONSTRAINT quote_lines_quantity_finite CHECK ((quantity <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT quote_lines_unit_check CHECK (((length(btrim(unit)) >= 1) AND (length(btrim(unit)) <= 10))),
    CONSTRAINT quote_lines_unit_price_cents_check CHECK (((unit_price_cents >= 0) AND (unit_price_cents <= '100000000000'::bigint)))
);

ALTER TABLE ONLY public.quote_lines
    ADD CONSTRAINT quote_lines_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.quote_lines
    ADD CONSTRAINT quote_lines_pkey PRIMARY KEY (id);

CREATE INDEX quote_lines_quote_idx ON public.quote_lines USING btree (org_id, quote_id, "position");

ALTER TABLE public.quote_lines ENABLE ROW LEVEL SECURITY;

CREATE POLICY quote_lines_delete ON public.quote_lines FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY quote_lines_insert ON public.quote_lines FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- quote_lines ----------------------------------------------------------------
CREATE POLICY quote_lines_select ON public.quote_lines FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (quote_id IN ( SELECT private.my_client_quote_ids() AS my_client_quote_ids)))));

CREATE POLICY quote_lines_update ON public.quote_lines FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- 05: before the lock guard (10) — a malformed value is reported as such.
CREATE TRIGGER quote_lines_05_quantity_finite BEFORE INSERT OR UPDATE OF quantity ON public.quote_lines FOR EACH ROW EXECUTE FUNCTION private.refuse_non_finite_line_quantity();

CREATE TRIGGER quote_lines_10_guard BEFORE INSERT OR DELETE OR UPDATE ON public.quote_lines FOR EACH ROW EXECUTE FUNCTION private.guard_document_line_changes('quote');

CREATE TRIGGER quote_lines_20_totals_del AFTER DELETE ON public.quote_lines REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION private.refresh_document_totals('quote');

-- Transition tables need one trigger per event.
CREATE TRIGGER quote_lines_20_totals_ins AFTER INSERT ON public.quote_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION private.refresh_document_totals('quote');

CREATE TRIGGER quote_lines_20_totals_upd AFTER UPDATE ON public.quote_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION private.refresh_document_totals('quote');

COMMENT ON TABLE public.quote_lines IS 'Lines of a quote. line_ht = round(quantity × unit price), line_vat = round(line_ht × rate / 100), half up, per line.';

GRANT SELECT,DELETE ON TABLE public.quote_lines TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.quote_lines TO service_role;

GRANT INSERT(id) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(org_id) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(quote_id) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT("position"),UPDATE("position") ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(description),UPDATE(description) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(quantity),UPDATE(quantity) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(unit),UPDATE(unit) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(unit_price_cents),UPDATE(unit_price_cents) ON TABLE public.quote_lines TO authenticated;

GRANT INSERT(vat_rate),UPDATE(vat_rate) ON TABLE public.quote_lines TO authenticated;

CREATE TABLE public.quotes (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    -- No cascade: deleting an organization must not silently erase what was sent to clients.
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    site_id uuid,
    title text NOT NULL,
    notes text,
    status public.quote_status DEFAULT 'draft'::public.quote_status NOT NULL,
    -- Assigned by send_quote(); null while draft.
    number text,
    fiscal_year integer,
    sequence bigint,
    -- The date the quote was sent (the date printed on it) and its validity.
    issue_date date,
    valid_until date,
    -- Computed from quote_lines by triggers; a client write is refused.
    total_ht_cents bigint DEFAULT 0 NOT NULL,
    total_vat_cents bigint DEFAULT 0 NOT NULL,
    total_ttc_cents bigint GENERATED ALWAYS AS ((total_ht_cents + total_vat_cents)) STORED,
    sent_at timestamp with time zone,
    decided_at timestamp with time zone,
    -- Who drafted it. No foreign key on purpose: the record outlives the
    -- account, and "on delete set null" would have to rewrite a locked row.
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT quotes_decided CHECK (((status = ANY (ARRAY['accepted'::public.quote_status, 'rejected'::public.quote_status, 'expired'::public.quote_status])) = (decided_at IS NOT NULL))),
    CONSTRAINT quotes_notes_check CHECK (((notes IS NULL) OR (length(notes) <= 10000))),
    CONSTRAINT quotes_numbering CHECK ((((status = 'draft'::public.quote_status) AND (number IS NULL) AND (fiscal_year IS NULL) AND (sequence IS NULL) AND (issue_date IS NULL) AND (sent_at IS NULL)) OR ((status <> 'draft'::public.quote_status) AND (sequence >= 1) AND (issue_date IS NOT NULL) AND (sent_at IS NOT NULL) AND ((fiscal_year)::numeric = EXTRACT(year FROM issue_date)) AND (number = private.document_number('DEV'::text, fiscal_year, sequence))))),
    CONSTRAINT quotes_sent_has_validity CHECK (((status = 'draft'::public.quote_status) OR (valid_until IS NOT NULL))),
    CONSTRAINT quotes_title_check CHECK (((length(btrim(title)) >= 1) AND (length(btrim(title)) <= 200))),
    CONSTRAINT quotes_total_ht_cents_check CHECK ((total_ht_cents >= 0)),
    CONSTRAINT quotes_total_vat_cents_check CHECK ((total_vat_cents >= 0)),
    CONSTRAINT quotes_validity CHECK (((valid_until IS NULL) OR (issue_date IS NULL) OR (valid_until >= issue_date)))
);

ALTER TABLE ONLY public.quotes
    ADD CONSTRAINT quotes_number_key UNIQUE (org_id, number);

ALTER TABLE ONLY public.quotes
    ADD CONSTRAINT quotes_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.quotes
    ADD CONSTRAINT quotes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.quotes
    ADD CONSTRAINT quotes_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id);

ALTER TABLE ONLY public.quotes
    ADD CONSTRAINT quotes_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);

ALTER TABLE ONLY public.quotes
    ADD CONSTRAINT quotes_site_fkey FOREIGN KEY (org_id, client_id, site_id) REFERENCES public.sites(org_id, client_id, id);

CREATE INDEX quotes_client_idx ON public.quotes USING btree (org_id, client_id);

-- Expiry (sent quotes past their validity) scans only open quotes.
CREATE INDEX quotes_open_idx ON public.quotes USING btree (org_id, valid_until) WHERE (status = 'sent'::public.quote_status);

-- Gapless numbering is also guaranteed by the index, whatever happens upstream.
CREATE UNIQUE INDEX quotes_sequence_key ON public.quotes USING btree (org_id, fiscal_year, sequence) WHERE (sequence IS NOT NULL);

CREATE INDEX quotes_site_idx ON public.quotes USING btree (org_id, site_id) WHERE (site_id IS NOT NULL);

ALTER TABLE public.quotes ENABLE ROW LEVEL SECURITY;

CREATE POLICY quotes_delete ON public.quotes FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY quotes_insert ON public.quotes FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- quotes ---------------------------------------------------------------------
CREATE POLICY quotes_select ON public.quotes FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])) AND (status <> 'draft'::public.quote_status))));

CREATE POLICY quotes_update ON public.quotes FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- BEFORE triggers fire in name order: guard (sees the caller's values), then
-- derived fields, then updated_at.
CREATE TRIGGER quotes_10_guard BEFORE DELETE OR UPDATE ON public.quotes FOR EACH ROW EXECUTE FUNCTION private.guard_quote_updates();

CREATE TRIGGER quotes_20_derive BEFORE INSERT OR UPDATE ON public.quotes FOR EACH ROW EXECUTE FUNCTION private.derive_quote_fields();

CREATE TRIGGER quotes_30_touch BEFORE UPDATE ON public.quotes FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.quotes IS 'Quotes (devis) sent to clients: numbered DEV-YYYY-NNNNN when sent, frozen afterwards; totals computed from quote_lines.';

COMMENT ON COLUMN public.quotes.total_ttc_cents IS 'total_ht_cents + total_vat_cents; both maintained from the lines.';

GRANT SELECT,DELETE ON TABLE public.quotes TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.quotes TO service_role;

GRANT INSERT(id) ON TABLE public.quotes TO authenticated;

GRANT INSERT(org_id) ON TABLE public.quotes TO authenticated;

GRANT INSERT(client_id),UPDATE(client_id) ON TABLE public.quotes TO authenticated;

GRANT INSERT(site_id),UPDATE(site_id) ON TABLE public.quotes TO authenticated;

GRANT INSERT(title),UPDATE(title) ON TABLE public.quotes TO authenticated;

GRANT INSERT(notes),UPDATE(notes) ON TABLE public.quotes TO authenticated;

GRANT UPDATE(status) ON TABLE public.quotes TO authenticated;

GRANT INSERT(valid_until),UPDATE(valid_until) ON TABLE public.quotes TO authenticated;

ALTER TABLE ONLY public.quote_lines
    ADD CONSTRAINT quote_lines_quote_fkey FOREIGN KEY (org_id, quote_id) REFERENCES public.quotes(org_id, id) ON DELETE CASCADE;

COMMENT ON FUNCTION private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text) IS 'Raises unless the caller is the system actor or holds one of the roles in the organization (P0002 for non-members, 42501 for the wrong role).';

COMMENT ON FUNCTION private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint) IS 'Formats a document number: SERIES-YYYY-NNNNN (FAC-2026-00001).';

COMMENT ON FUNCTION private.format_cents(p_cents bigint) IS 'Formats an amount in cents as "1234.56 EUR" for messages.';

COMMENT ON FUNCTION private.invoice_canonical(p_inv public.invoices) IS 'Canonical text of an issued document (identity, number, dates, client, totals, legal mentions, lines) that its row_hash covers.';

COMMENT ON FUNCTION private.invoice_legal_mentions(p_inv public.invoices) IS 'The legal texts and identities printed on a document: seller (SIREN, VAT, RCS, capital), buyer, payment terms, no early-payment discount, late-penalty rate, the 40 EUR recovery indemnity (D441-5), credited invoice for a credit note.';

COMMENT ON FUNCTION private.invoice_missing_mentions(p_inv public.invoices) IS 'Labels of the mandatory invoice mentions the data cannot provide yet (seller SIREN, seller VAT number, client address, …); empty when complete.';

COMMENT ON FUNCTION private.invoice_mission(p_mission_id uuid) IS 'Creates the draft invoice of one done mission (approved hours × hourly rate, parts used × price) and marks the mission and its timesheets invoiced (invoicing system context). Raises a readable message when it cannot.';

COMMENT ON FUNCTION private.invoice_row_hash(p_inv public.invoices) IS 'sha256(prev_hash || canonical content), hex; the first document of an organization has no prev_hash.';

COMMENT ON FUNCTION private.lock_document_counter(p_org_id uuid, p_series text, p_fiscal_year integer) IS 'Locks (creating if needed) the counter of an organization, series and year until the end of the transaction; returns the last value.';

COMMENT ON FUNCTION private.next_document_sequence(p_org_id uuid, p_series text, p_fiscal_year integer) IS 'Hands out the next number of a series for the year. Gapless: the increment commits or rolls back with the caller.';

COMMENT ON FUNCTION private.org_today(p_org_id uuid) IS 'The current calendar date in the organization''s timezone.';

COMMENT ON FUNCTION public.bulk_invoice_missions(p_mission_ids uuid[]) IS 'RPC: creates one draft invoice per done mission (up to 50) and marks missions and timesheets invoiced. Returns {results: [{id, ok, error, code?, invoice_id}] in the given order, summary: {requested, succeeded, failed}}. Roles owner, admin, accountant.';

COMMENT ON FUNCTION public.issue_invoice(p_invoice_id uuid) IS 'RPC: issues a draft invoice or credit note (gapless chronological number, legal mentions frozen, hash chain). Roles owner, admin, accountant.';

COMMENT ON FUNCTION public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) IS 'RPC (PDF edge function): records the PDF SHA-256 of an issued document, once, and marks it sent. Same hash again: no-op.';

COMMENT ON FUNCTION public.reconcile_payments(p_org_id uuid) IS 'RPC: marks invoices paid / partially paid from their payments net of credit notes; reports partial, over-paid, unmatched payments and payments awaiting the PDF. Idempotent. Roles owner, admin, accountant.';

COMMENT ON FUNCTION public.send_quote(p_quote_id uuid) IS 'RPC: sends a draft quote (number DEV-YYYY-NNNNN, date, validity 30 days by default). Roles owner, admin, dispatcher, accountant.';

COMMENT ON FUNCTION public.verify_invoice_chain(p_org_id uuid) IS 'RPC: recomputes an organization''s invoice hash chain; returns ok, or the first broken document (number) and why.';

ALTER TABLE ONLY public.timesheets
    ADD CONSTRAINT timesheets_invoice_fkey FOREIGN KEY (org_id, invoice_id) REFERENCES public.invoices(org_id, id);

REVOKE ALL ON FUNCTION private.authorize_invoicing(p_org_id uuid, p_allowed public.member_role[], p_action text, p_what text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint) TO authenticated;
GRANT ALL ON FUNCTION private.document_number(p_series text, p_fiscal_year integer, p_sequence bigint) TO service_role;

REVOKE ALL ON FUNCTION private.format_cents(p_cents bigint) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.invoice_canonical(p_inv public.invoices) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.invoice_legal_mentions(p_inv public.invoices) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.invoice_missing_mentions(p_inv public.invoices) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.invoice_mission(p_mission_id uuid) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.invoice_row_hash(p_inv public.invoices) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.lock_document_counter(p_org_id uuid, p_series text, p_fiscal_year integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.next_document_sequence(p_org_id uuid, p_series text, p_fiscal_year integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.org_today(p_org_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.org_today(p_org_id uuid) TO authenticated;
GRANT ALL ON FUNCTION private.org_today(p_org_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.bulk_invoice_missions(p_mission_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.bulk_invoice_missions(p_mission_ids uuid[]) TO authenticated;
GRANT ALL ON FUNCTION public.bulk_invoice_missions(p_mission_ids uuid[]) TO service_role;

REVOKE ALL ON FUNCTION public.issue_invoice(p_invoice_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.issue_invoice(p_invoice_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.issue_invoice(p_invoice_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) TO authenticated;
GRANT ALL ON FUNCTION public.mark_invoice_sent(p_invoice_id uuid, p_pdf_sha256 text) TO service_role;

REVOKE ALL ON FUNCTION public.reconcile_payments(p_org_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.reconcile_payments(p_org_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.reconcile_payments(p_org_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.send_quote(p_quote_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.send_quote(p_quote_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.send_quote(p_quote_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.verify_invoice_chain(p_org_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.verify_invoice_chain(p_org_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.verify_invoice_chain(p_org_id uuid) TO service_role;

