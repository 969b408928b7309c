-- On-demand verification of the invoice hash chain and log, in bounded steps.
--
-- run_invoice_chain_verification(org) recomputed the whole chain and log in
-- one call: for a large organization that meets the API's statement timeout
-- and then nothing is recorded. A call now does what one step of the nightly
-- job does: it advances the verification by at most p_max_rows rows (chain
-- first, then log) from where it stopped, records it, and returns the
-- progress of each kind; the caller calls again until every row says done
-- (README.md, "Accounting").
--
-- A verification is one pass of each kind. A call resumes the passes still
-- running for the organization (the nightly job's too: they start from the
-- first row as well); with none running it starts a new pass of each kind.
-- With one kind running (a nightly pass), the other kind is started beside it
-- unless its latest pass started with or after the running one.
--
-- Two callers: one pass per organization and kind (the unique index on the
-- running passes; a concurrent start inserts nothing and reports the other
-- caller's pass). A pass is locked while advanced: a call skips a pass another
-- transaction is advancing (the nightly job, another tab) and returns its
-- progress as last recorded; the nightly job waits for the lock instead.

drop function public.run_invoice_chain_verification(uuid);

-- The progress of passes, one row each, as run_invoice_chain_verification returns it.
-- rows_total: what the pass has to check, the chain or log head now (a pass
-- finished and passed checked all it had).
create function private.invoice_chain_verification_progress(p_ids bigint[])
  returns table (kind text, done boolean, ok boolean, rows_checked bigint, rows_total bigint, verified_through bigint,
                 failed_at bigint, invoice_id uuid, number text, reason text, started_at timestamptz, finished_at timestamptz)
  language sql stable
  set search_path = ''
as $$
  select v.kind, v.finished_at is not null, v.ok, v.rows_checked,
         case when v.ok then v.rows_checked
              else greatest(v.rows_checked,
                     case v.kind when 'chain' then (select h.last_position from private.invoice_chain_heads h where h.org_id = v.org_id)
                                 else (select h.last_seq from private.invoice_log_heads h where h.org_id = v.org_id) end) end,
         v.verified_through, v.failed_at, v.failed_invoice_id, v.failed_number, v.failure, v.started_at, v.finished_at
  from private.invoice_chain_verifications v
  where v.id = any (p_ids)
  order by v.kind
$$;
comment on function private.invoice_chain_verification_progress(bigint[]) is
  'Progress of recorded invoice chain verification passes: done, result, rows checked out of rows to check, first failure.';
revoke all on function private.invoice_chain_verification_progress(bigint[]) from public;

-- The step: every document's hash is recomputed (about 0.6 ms a document
-- measured on a loaded two-core machine, 20,000 documents 13 s): 2,000 rows
-- by default, at most 5,000 (about 3 s there), well inside the API's 8 s.
create function public.run_invoice_chain_verification(p_org_id uuid, p_max_rows integer default 2000)
  returns table (kind text, done boolean, ok boolean, rows_checked bigint, rows_total bigint, verified_through bigint,
                 failed_at bigint, invoice_id uuid, number text, reason text, started_at timestamptz, finished_at timestamptz)
  language plpgsql
  security definer
  set search_path = ''
as $$
#variable_conflict use_column
declare
  -- The largest step (see above).
  c_max_rows constant integer := 5000;
  v_round    timestamptz;
  v_kind     text;
  v_id       bigint;
  v_latest   timestamptz;
  v_running  boolean;
  v_ids      bigint[] := '{}'::bigint[];
  v_left     bigint := p_max_rows;
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'Name the organization whose invoices to verify (p_org_id)');
  end if;
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin']::public.member_role[],
                                      'run_invoice_chain_verification', pg_catalog.format('Organization %s', p_org_id));
  if p_max_rows is null or p_max_rows < 1 or p_max_rows > c_max_rows then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('max_rows must be between 1 and %s rows per call (got %s)', c_max_rows, coalesce(p_max_rows::text, 'none')));
  end if;

  -- The verification under way: when its earliest running pass started.
  select pg_catalog.min(v.started_at) into v_round
  from private.invoice_chain_verifications v where v.org_id = p_org_id and v.finished_at is null;

  foreach v_kind in array array['chain', 'log'] loop
    -- The running pass, locked for this transaction, unless another one is advancing it.
    select v.id into v_id from private.invoice_chain_verifications v
    where v.org_id = p_org_id and v.kind = v_kind and v.finished_at is null
    for update skip locked;
    if v_id is null then
      select v.id, v.started_at, v.finished_at is null into v_id, v_latest, v_running
      from private.invoice_chain_verifications v
      where v.org_id = p_org_id and v.kind = v_kind
      order by v.finished_at is null desc, v.started_at desc, v.id desc limit 1;
      if v_running then
        -- Another transaction is advancing it: reported as it stands.
        v_ids := v_ids || v_id;
        continue;
      end if;
      if v_id is null or v_round is null or v_latest < v_round then
        insert into private.invoice_chain_verifications (org_id, kind, requested_by)
        values (p_org_id, v_kind, auth.uid())
        on conflict (org_id, kind) where finished_at is null do nothing
        returning id into v_id;
        if v_id is null then
          -- Another caller started it meanwhile: theirs to advance, reported as it stands.
          select v.id into v_id from private.invoice_chain_verifications v
          where v.org_id = p_org_id and v.kind = v_kind
          order by v.finished_at is null desc, v.started_at desc, v.id desc limit 1;
          v_ids := v_ids || v_id;
          continue;
        end if;
      end if;
    end if;
    v_ids := v_ids || v_id;
    -- A pass of this verification already finished is only reported.
    if v_left > 0 and exists (select from private.invoice_chain_verifications v where v.id = v_id and v.finished_at is null) then
      v_left := v_left - private.advance_invoice_chain_verification(v_id, v_left);
    end if;
  end loop;

  return query select * from private.invoice_chain_verification_progress(v_ids);
end;
$$;
comment on function public.run_invoice_chain_verification(uuid, integer) is
  'RPC (owner, admin): advances the full verification of the organization''s invoice hash chain and invoice log by at most p_max_rows rows (default 2,000, at most 5,000), starting one when none is running, and records it for the health page; one row per kind (chain, log): done, ok, rows checked out of rows to check, first failure. Call again until every row is done.';
revoke all on function public.run_invoice_chain_verification(uuid, integer) from public;
grant execute on function public.run_invoice_chain_verification(uuid, integer) to authenticated, service_role;

update ops.lint_allowlist
   set object = 'public.run_invoice_chain_verification(uuid,integer)'
 where rule = 'authenticated_security_definer_function_executable' and object = 'public.run_invoice_chain_verification(uuid)';
