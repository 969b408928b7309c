-- The invoice hash chain and the invoice log verified in segments.
--
-- verify_invoice_chain(org) and verify_invoice_log(org, head, seq) recompute
-- an organization's whole history in one call: their cost grows with every
-- document ever issued, which is right for an audit but not for a page that
-- opens every day, nor for a job that must never hold a transaction open for
-- minutes. The two walks move here, into functions that start after a
-- position already verified (linking to the hash recorded there) and stop
-- after a number of rows:
--   * from the start with no limit, they are exactly the old verify_* functions
--     (same answers, same reasons), which now call them;
--   * from the start in bounded steps, they are the nightly full verification
--     (a later migration), resumed where the previous step stopped;
--   * from the last verified position, they check only what was written since.
-- A segment can also be checked against a hash verified earlier at a given
-- position (the exported head of the log, or the last full verification),
-- which catches a history rewritten with every hash recomputed.

-- The chain, after position p_after_position (whose row_hash was verified to
-- be p_after_hash; 0 and null: from the first document), at most p_max_rows
-- documents (null: to the end). One row:
--   ok, checked        documents verified in this segment;
--   through_position,  the last verified position and its hash (where the
--   through_hash       next segment starts);
--   complete           the chain head was reached (or a failure ends the walk);
--   failed_position, invoice_id, number, reason   the first problem.
-- STABLE: one snapshot, so the documents and the chain head agree even while
-- invoices are being issued.
create function private.invoice_chain_segment(
    p_org_id uuid, p_after_position bigint, p_after_hash text, p_max_rows bigint,
    p_verified_position bigint default null, p_verified_hash text default null)
  returns table (ok boolean, checked bigint, through_position bigint, through_hash text, complete boolean,
                 failed_position bigint, invoice_id uuid, number text, reason text)
  language plpgsql stable
  set search_path = ''
as $$
declare
  r          public.invoices;
  v_prev     text := p_after_hash;
  v_expected bigint := p_after_position + 1;
  v_rows     bigint := 0;
  v_head     private.invoice_chain_heads;
begin
  -- The segment hangs on a document verified earlier: it must still carry that hash.
  if p_after_position > 0 and not exists (
       select from public.invoices i
       where i.org_id = p_org_id and i.chain_position = p_after_position and i.row_hash = p_after_hash) then
    return query
    select false, 0::bigint, p_after_position, p_after_hash, true, p_after_position, i.id, i.number,
      pg_catalog.format('the document at chain position %s no longer carries the hash verified earlier: it was changed or removed',
                        p_after_position)
    from (select 1) as one
    left join public.invoices i on i.org_id = p_org_id and i.chain_position = p_after_position;
    return;
  end if;

  for r in
    select * from public.invoices i
    where i.org_id = p_org_id and i.chain_position > p_after_position
    order by i.chain_position
    limit p_max_rows
  loop
    v_rows := v_rows + 1;
    if r.chain_position <> v_expected then
      return query select false, v_expected - 1 - p_after_position, v_expected - 1, v_prev, true, v_expected, r.id, r.number,
        pg_catalog.format('chain position %s is missing: an issued document before %s was removed', v_expected, r.number);
      return;
    end if;
    if r.prev_hash is distinct from v_prev then
      return query select false, v_expected - 1 - p_after_position, v_expected - 1, v_prev, true, v_expected, r.id, r.number,
        'prev_hash does not match the row_hash of the previous document'::text;
      return;
    end if;
    if r.row_hash is distinct from private.invoice_row_hash(r) then
      return query select false, v_expected - 1 - p_after_position, v_expected - 1, v_prev, true, v_expected, r.id, r.number,
        'row_hash does not match the document content'::text;
      return;
    end if;
    if r.chain_position = p_verified_position and r.row_hash is distinct from p_verified_hash then
      return query select false, v_expected - 1 - p_after_position, v_expected - 1, v_prev, true, v_expected, r.id, r.number,
        pg_catalog.format('the chain up to position %s differs from the one verified earlier: it was rewritten and its hashes recomputed',
                          v_expected);
      return;
    end if;
    v_prev := r.row_hash;
    v_expected := v_expected + 1;
  end loop;

  if v_rows = p_max_rows then
    -- The step is used up; the rest is for the next segment.
    return query select true, v_rows, v_expected - 1, v_prev, false, null::bigint, null::uuid, null::text, null::text;
    return;
  end if;

  if v_expected - 1 < p_verified_position then
    return query select false, v_rows, v_expected - 1, v_prev, true, v_expected, null::uuid, null::text,
      pg_catalog.format('the chain ends at position %s but position %s was verified earlier: documents were removed',
                        v_expected - 1, p_verified_position);
    return;
  end if;
  select * into v_head from private.invoice_chain_heads h where h.org_id = p_org_id;
  if coalesce(v_head.last_position, 0) <> v_expected - 1 or v_head.last_row_hash is distinct from v_prev then
    return query select false, v_rows, v_expected - 1, v_prev, true, coalesce(v_head.last_position, 0), v_head.last_invoice_id, null::text,
      pg_catalog.format('the chain head records %s issued documents ending with hash %s: the latest were removed or rewritten',
                        coalesce(v_head.last_position, 0), coalesce(v_head.last_row_hash, 'none'));
    return;
  end if;
  return query select true, v_rows, v_expected - 1, v_prev, true, null::bigint, null::uuid, null::text, null::text;
end;
$$;
comment on function private.invoice_chain_segment(uuid, bigint, text, bigint, bigint, text) is
  'Verifies an organization''s invoice hash chain after a verified position (linking to its hash), at most p_max_rows documents (null: to the chain head); optionally against a hash verified earlier at p_verified_position. Called by verify_invoice_chain and the recorded verifications.';
revoke all on function private.invoice_chain_segment(uuid, bigint, text, bigint, bigint, text) from public;

-- The log, after event p_after_seq (whose hash was verified to be
-- p_after_hash; 0 and null: from the first event), at most p_max_rows events
-- (null: to the end), optionally against a hash known at p_expected_seq
-- (p_reference names it in the reasons: the exported head, the last
-- verification). Rows as invoice_chain_segment, with event numbers.
create function private.invoice_log_segment(
    p_org_id uuid, p_after_seq bigint, p_after_hash text, p_max_rows bigint,
    p_expected_seq bigint default null, p_expected_head text default null,
    p_reference text default 'the exported head')
  returns table (ok boolean, checked bigint, through_seq bigint, through_hash text, complete boolean,
                 failed_seq bigint, reason text)
  language plpgsql stable
  set search_path = ''
as $$
declare
  r          public.invoice_log;
  v_prev     text := p_after_hash;
  v_hash     text;
  v_expected bigint := p_after_seq + 1;
  v_rows     bigint := 0;
  v_head     private.invoice_log_heads;
begin
  if p_after_seq > 0 and not exists (
       select from public.invoice_log l where l.org_id = p_org_id and l.seq = p_after_seq and l.hash = p_after_hash) then
    return query select false, 0::bigint, p_after_seq, p_after_hash, true, p_after_seq,
      pg_catalog.format('event %s no longer carries the hash verified earlier: it was changed or removed', p_after_seq);
    return;
  end if;

  for r in
    select * from public.invoice_log l
    where l.org_id = p_org_id and l.seq > p_after_seq
    order by l.seq
    limit p_max_rows
  loop
    v_rows := v_rows + 1;
    if r.seq <> v_expected then
      return query select false, v_expected - 1 - p_after_seq, v_expected - 1, v_prev, true, v_expected,
        pg_catalog.format('event %s is missing or out of place (found %s): the log was cut or reordered', v_expected, r.seq);
      return;
    end if;
    if r.prev_hash is distinct from v_prev then
      return query select false, v_expected - 1 - p_after_seq, v_expected - 1, v_prev, true, r.seq,
        pg_catalog.format('event %s does not link to the recomputed hash of event %s: the history before it was rewritten', r.seq, r.seq - 1);
      return;
    end if;
    v_hash := private.invoice_log_hash(v_prev, r);
    if r.hash <> v_hash then
      return query select false, v_expected - 1 - p_after_seq, v_expected - 1, v_prev, true, r.seq,
        pg_catalog.format('event %s does not match its hash: it was edited', r.seq);
      return;
    end if;
    if r.seq = p_expected_seq and v_hash <> p_expected_head then
      -- The event itself is consistent: it counts as checked.
      return query select false, v_expected - p_after_seq, v_expected, v_hash, true, r.seq,
        pg_catalog.format('the history up to event %s differs from %s: it was rewritten and its hashes recomputed', r.seq, p_reference);
      return;
    end if;
    v_prev := v_hash;
    v_expected := v_expected + 1;
  end loop;

  if v_rows = p_max_rows then
    return query select true, v_rows, v_expected - 1, v_prev, false, null::bigint, null::text;
    return;
  end if;

  if v_expected - 1 < p_expected_seq then
    return query select false, v_rows, v_expected - 1, v_prev, true, v_expected,
      pg_catalog.format('the log ends at event %s but %s is at event %s: events were removed', v_expected - 1, p_reference, p_expected_seq);
    return;
  end if;
  select * into v_head from private.invoice_log_heads h where h.org_id = p_org_id;
  if coalesce(v_head.last_seq, 0) <> v_expected - 1 or v_head.last_hash is distinct from v_prev then
    return query select false, v_rows, v_expected - 1, v_prev, true, coalesce(v_head.last_seq, 0),
      pg_catalog.format('the head records %s events ending with %s, the log has %s: the head or the latest events were changed',
                        coalesce(v_head.last_seq, 0), coalesce(v_head.last_hash, 'none'), v_expected - 1);
    return;
  end if;
  return query select true, v_rows, v_expected - 1, v_prev, true, null::bigint, null::text;
end;
$$;
comment on function private.invoice_log_segment(uuid, bigint, text, bigint, bigint, text, text) is
  'Verifies an organization''s invoice log after a verified event (linking to its hash), at most p_max_rows events (null: to the head); optionally against a hash known at p_expected_seq. Called by verify_invoice_log and the recorded verifications.';
revoke all on function private.invoice_log_segment(uuid, bigint, text, bigint, bigint, text, text) from public;

-- The whole chain, as before: same columns, same answers.
create or replace function public.verify_invoice_chain(p_org_id uuid)
  returns table (ok boolean, checked bigint, invoice_id uuid, number text, reason text)
  language plpgsql stable security definer
  set search_path = ''
as $$
begin
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'accountant']::public.member_role[],
                                      'verify_invoice_chain', pg_catalog.format('Organization %s', p_org_id));
  return query
  select s.ok, s.through_position, s.invoice_id, s.number, s.reason
  from private.invoice_chain_segment(p_org_id, 0, null, null) s;
end;
$$;

-- The whole log against an exported head, as before: same columns, same answers.
create or replace function public.verify_invoice_log(p_org_id uuid, p_expected_head text, p_expected_seq bigint)
  returns table (ok boolean, checked bigint, seq bigint, reason text)
  language plpgsql stable security definer
  set search_path = ''
as $$
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
  return query
  select s.ok, s.through_seq, s.failed_seq, s.reason
  from private.invoice_log_segment(p_org_id, 0, null, null, p_expected_seq, p_expected_head) s;
end;
$$;
