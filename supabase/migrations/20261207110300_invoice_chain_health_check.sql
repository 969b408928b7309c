-- The invoice_chain health check reads the recorded full verification and
-- checks only what came after it.
--
-- Until now the check recomputed whole histories: the health page verified
-- the organization's chain from its first document on every view, and the
-- operator's view (run by ops.metrics on every scrape) every organization's.
-- Now, for each of an organization's invoice hash chain and invoice log:
--   * the last finished full verification (nightly job, or asked for by an
--     owner or admin) failed: not ok, with its first failure;
--   * it finished more than 36 hours ago, or there was none although the
--     organization's first document or event is older than that: not ok,
--     "verification overdue" (the nightly job has stopped or cannot keep up;
--     with none at all, nothing is recomputed: that is the job's work);
--   * the documents and events after the position it verified are checked
--     at once, linking to the hash recorded there: a row rewritten or removed
--     since is not ok immediately. At most 5,000 of them: past that, the
--     check says the rest is unchecked (the nightly job verifies it).
-- So a check costs about one day's invoicing, whatever the history.
-- An organization too young for its first nightly pass is checked from its
-- first row (all of it issued in the last 36 hours).

create function private.invoice_chain_findings(p_org_id uuid)
  returns table (kind text, invoice_id uuid, number text, seq bigint, reason text)
  language plpgsql stable
  set search_path = ''
as $$
#variable_conflict use_column
declare
  -- Older than this, the last full verification is overdue (a nightly job, with room for one missed night's start).
  c_max_age constant interval := interval '36 hours';
  -- The most rows after the last verification a check recomputes.
  c_max_rows constant bigint := 5000;
  v_kind   text;
  v_last   private.invoice_chain_verifications;
  v_first  timestamptz;
  v_exists boolean;
  s        record;
begin
  foreach v_kind in array array['chain', 'log'] loop
    if v_kind = 'chain' then
      select exists (select from private.invoice_chain_heads h where h.org_id = p_org_id and h.last_position > 0)
             or exists (select from public.invoices i where i.org_id = p_org_id and i.chain_position is not null),
             (select i.issued_at from public.invoices i where i.org_id = p_org_id and i.chain_position = 1)
        into v_exists, v_first;
    else
      select exists (select from private.invoice_log_heads h where h.org_id = p_org_id and h.last_seq > 0)
             or exists (select from public.invoice_log l where l.org_id = p_org_id),
             (select l.occurred_at from public.invoice_log l where l.org_id = p_org_id and l.seq = 1)
        into v_exists, v_first;
    end if;
    continue when not v_exists;

    v_last := null;
    select * into v_last from private.invoice_chain_verifications v
    where v.org_id = p_org_id and v.kind = v_kind and v.finished_at is not null
    order by v.started_at desc, v.id desc limit 1;

    if v_last.id is null and (v_first is null or v_first < pg_catalog.now() - c_max_age) then
      -- Never verified, and too old not to have been: the whole history is
      -- the nightly job's (or run_invoice_chain_verification's) to recompute.
      return query select v_kind, null::uuid, null::text, null::bigint,
        'verification overdue: no full verification was ever recorded'::text;
      continue;
    end if;

    if v_last.ok is false then
      return query select v_kind, v_last.failed_invoice_id, v_last.failed_number, v_last.failed_at,
        pg_catalog.format('full verification of %s: %s',
                          pg_catalog.to_char(v_last.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), v_last.failure);
      continue;
    end if;

    if v_kind = 'chain' then
      select x.ok, x.complete, x.failed_position as at, x.invoice_id, x.number, x.reason into s
      from private.invoice_chain_segment(p_org_id, coalesce(v_last.verified_through, 0), v_last.verified_hash, c_max_rows) x;
    else
      select x.ok, x.complete, x.failed_seq as at, null::uuid as invoice_id, null::text as number, x.reason into s
      from private.invoice_log_segment(p_org_id, coalesce(v_last.verified_through, 0), v_last.verified_hash, c_max_rows) x;
    end if;
    if not s.ok then
      return query select v_kind, s.invoice_id, s.number, s.at,
        case when v_last.id is null then s.reason
             else pg_catalog.format('since the last full verification: %s', s.reason) end;
    elsif not s.complete then
      return query select v_kind, null::uuid, null::text, null::bigint,
        pg_catalog.format('%s rows or more since the last full verification: only the first %s were checked (the nightly job verifies the rest)',
                          c_max_rows, c_max_rows);
    end if;

    if v_last.finished_at < pg_catalog.now() - c_max_age then
      return query select v_kind, null::uuid, null::text, null::bigint,
        pg_catalog.format('verification overdue: the last full verification finished %s',
                          pg_catalog.to_char(v_last.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'));
    end if;
  end loop;
end;
$$;
comment on function private.invoice_chain_findings(uuid) is
  'Problems of an organization''s invoice hash chain and invoice log: the last full verification failed or is overdue (36 hours), or a row written since it does not verify. Reads the recorded verification and recomputes only the rows after it.';
revoke all on function private.invoice_chain_findings(uuid) from public;

-- Definer: ops.check_invoice_chain calls it, and a view's functions run with
-- the privileges of whoever reads the view (service_role may read the ops
-- check views; the verification records and heads stay closed to it).
create function ops.org_check_invoice_chain(p_org uuid)
  returns table (detail jsonb, sample_rank bigint)
  language sql stable
  security definer
  set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('org_id', p_org, 'kind', f.kind, 'invoice_id', f.invoice_id, 'number', f.number,
                                       'seq', f.seq, 'reason', f.reason),
         pg_catalog.row_number() over ()
  from private.invoice_chain_findings(p_org) f
$$;
comment on function ops.org_check_invoice_chain(uuid) is 'ops.check_invoice_chain for one organization (public.organization_health_checks).';
revoke all on function ops.org_check_invoice_chain(uuid) from public;
grant execute on function ops.org_check_invoice_chain(uuid) to service_role;

-- Only organizations that issued something have a chain to verify
-- (invoice_chain_findings returns nothing for the others).
create or replace view ops.check_invoice_chain as
 select c.detail,
    row_number() over (order by o.id, c.sample_rank) as sample_rank,
    o.id as org_id,
    (c.detail ->> 'invoice_id')::uuid as invoice_id,
    c.detail ->> 'number' as number,
    c.detail ->> 'reason' as reason
   from public.organizations o
     cross join lateral ops.org_check_invoice_chain(o.id) c(detail, sample_rank);

update ops.health_check_catalog
   set org_function = 'org_check_invoice_chain',
       description = 'Invoice hash chain and invoice log: the last full verification failed or is over 36 hours old, or a document or event written since does not verify.'
 where name = 'invoice_chain';

-- Every organization-level check now has its function.
alter table ops.health_check_catalog drop constraint health_check_catalog_org_function_check;
alter table ops.health_check_catalog add constraint health_check_catalog_org_function_check
  check (org_column is null or org_function is not null);

comment on column ops.health_check_catalog.org_function is
  'The function ops.<org_function>(org uuid) returning (detail, sample_rank) of one organization''s offending rows, the same rows as the view filtered on org_column (public.organization_health_checks calls it). Null for platform checks.';

create or replace function public.organization_health_checks(p_org uuid)
  returns table (name text, period text, description text, ok boolean, count bigint, sample jsonb)
  language plpgsql
  stable
  security definer
  set search_path = ''
  -- As ops.health_checks: these catalogue-heavy plans gain nothing from JIT.
  set jit = off
as $$
#variable_conflict use_column
declare
  -- How many offending rows a check lists (their ids, the organization's own rows).
  c_sample constant integer := 5;
  v_check  record;
  v_count  bigint;
  v_sample jsonb;
begin
  if p_org is null then
    perform private.raise_api_error('missing_parameter', 'Name the organization whose health checks to run (p_org)');
  end if;
  if not p_org = any (private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant,client}')) then
    -- Not a member: the organization is not theirs to know about.
    perform private.raise_api_error('not_found', pg_catalog.format('No organization %s of yours', p_org));
  end if;
  if not p_org = any (private.my_org_ids_as('{owner,admin}')) then
    perform private.raise_api_error('forbidden_role', 'Only the owners and administrators of the organization see its health checks');
  end if;

  for v_check in
    select c.name, c.cadence, c.description, c.org_function
    from ops.health_check_catalog c
    where c.org_column is not null
    order by c.position
  loop
    -- The function name comes from the catalogue; %I quotes it.
    execute pg_catalog.format(
      'select pg_catalog.count(*), coalesce(pg_catalog.jsonb_agg(s.detail order by s.sample_rank) filter (where s.sample_rank <= $2), ''[]'')'
      ' from ops.%I($1) s',
      v_check.org_function)
      into v_count, v_sample
      using p_org, c_sample;
    return query select v_check.name, v_check.cadence, v_check.description, v_count = 0, v_count, v_sample;
  end loop;
end;
$$;
