-- API errors, quotes: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.derive_quote_fields()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION private.guard_quote_line_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_org_id   uuid;
  v_quote_id uuid;
  v_status   public.quote_status;
  v_number   text;
begin
  if tg_op = 'UPDATE' and (new.quote_id <> old.quote_id or new.org_id <> old.org_id) then
    perform private.raise_api_error('rule_violation', 'Quote lines cannot move to another quote');
  end if;
  if tg_op = 'DELETE' then
    v_org_id := old.org_id; v_quote_id := old.quote_id;
  else
    v_org_id := new.org_id; v_quote_id := new.quote_id;
  end if;

  select q.status, q.number into v_status, v_number
  from public.quotes q
  where q.org_id = v_org_id and q.id = v_quote_id
  for no key update;
  -- Not found: an insert fails on the foreign key; a delete is the cascade of
  -- the draft quote's own deletion.
  if found and v_status <> 'draft' then
    perform private.raise_api_error('quote_locked', pg_catalog.format('Quote %s is locked (status: %s)', v_number, v_status));
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION private.guard_quote_updates()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.send_quote(p_quote_id uuid)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;
