-- Down file of supabase/migrations/20261207110000_invoice_chain_segments.sql:
-- verify_invoice_chain and verify_invoice_log walk the whole history themselves again, as
-- 20261201008000_quotes_and_invoicing.sql and 20261204170200_invoice_event_log.sql wrote them,
-- and the segment functions go (docs/conventions.md § Reversible migrations).
CREATE OR REPLACE FUNCTION public.verify_invoice_chain(p_org_id uuid) RETURNS TABLE(ok boolean, checked bigint, invoice_id uuid, number text, reason text)
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

create or replace function public.verify_invoice_log(p_org_id uuid, p_expected_head text, p_expected_seq bigint)
  returns table (ok boolean, checked bigint, seq bigint, reason text)
  language plpgsql stable security definer
  set search_path = ''
as $$
declare
  r          public.invoice_log;
  v_prev     text;
  v_hash     text;
  v_expected bigint := 1;
  v_head     private.invoice_log_heads;
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'verify_invoice_log', pg_catalog.format('Organization %s', p_org_id));
  if p_expected_seq is null or p_expected_seq < 0 then
    perform private.raise_api_error('invalid_parameter', 'expected_seq must be the exported sequence number (0 or more)');
  end if;
  if (p_expected_seq = 0) <> (p_expected_head is null)
     or (p_expected_head is not null and p_expected_head !~ '^[0-9a-f]{64}$') then
    perform private.raise_api_error('invalid_parameter',
      'expected_head must be the exported head: 64 lowercase hexadecimal characters (none for sequence 0)');
  end if;

  for r in select * from public.invoice_log l where l.org_id = p_org_id order by l.seq loop
    if r.seq <> v_expected then
      return query select false, v_expected - 1, v_expected,
        pg_catalog.format('event %s is missing or out of place (found %s): the log was cut or reordered', v_expected, r.seq);
      return;
    end if;
    if r.prev_hash is distinct from v_prev then
      return query select false, v_expected - 1, r.seq,
        pg_catalog.format('event %s does not link to the recomputed hash of event %s: the history before it was rewritten', r.seq, r.seq - 1);
      return;
    end if;
    v_hash := private.invoice_log_hash(v_prev, r);
    if r.hash <> v_hash then
      return query select false, v_expected - 1, r.seq,
        pg_catalog.format('event %s does not match its hash: it was edited', r.seq);
      return;
    end if;
    if r.seq = p_expected_seq and v_hash <> p_expected_head then
      return query select false, v_expected, r.seq,
        pg_catalog.format('the history up to event %s differs from the exported head: it was rewritten and its hashes recomputed', r.seq);
      return;
    end if;
    v_prev := v_hash;
    v_expected := v_expected + 1;
  end loop;

  if v_expected - 1 < p_expected_seq then
    return query select false, v_expected - 1, v_expected,
      pg_catalog.format('the log ends at event %s but the exported head is at event %s: events were removed', v_expected - 1, p_expected_seq);
    return;
  end if;
  select * into v_head from private.invoice_log_heads h where h.org_id = p_org_id;
  if coalesce(v_head.last_seq, 0) <> v_expected - 1 or v_head.last_hash is distinct from v_prev then
    return query select false, v_expected - 1, coalesce(v_head.last_seq, 0),
      pg_catalog.format('the head records %s events ending with %s, the log has %s: the head or the latest events were changed',
                        coalesce(v_head.last_seq, 0), coalesce(v_head.last_hash, 'none'), v_expected - 1);
    return;
  end if;
  return query select true, v_expected - 1, null::bigint, null::text;
end;
$$;

drop function private.invoice_log_segment(uuid, bigint, text, bigint, bigint, text, text);
drop function private.invoice_chain_segment(uuid, bigint, text, bigint, bigint, text);
