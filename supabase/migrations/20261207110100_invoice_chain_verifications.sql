-- A nightly, recorded, full verification of every organization's invoice
-- hash chain and invoice log.
--
-- Only a walk from the first document recomputes every hash, so only a full
-- pass catches an old row rewritten in place. Its cost grows with every
-- document ever issued, so it is not for a page view (the health page reads
-- its result instead): it runs at night, one organization at a time, in
-- bounded steps resumed from the position recorded by the previous step, so
-- that no job run holds a transaction open for long (it reads the invoices
-- and the log, and locks only its own record) or meets a statement timeout.
--
-- Each pass of one kind (chain or log) for one organization is one row of
-- private.invoice_chain_verifications: started, how far it got (position or
-- event, with the hash there), how many rows it checked, and once finished
-- whether it passed or the first failure. The position and hash a finished
-- pass reached are a checkpoint: the next pass checks that its recomputed
-- history still ends there with the same hash (a history rewritten with every
-- hash recomputed is caught), and the health checks verify only what was
-- issued after it (README.md, "Accounting").

create table private.invoice_chain_verifications (
  id               bigint generated always as identity primary key,
  org_id           uuid not null references public.organizations (id) on delete cascade,
  kind             text not null check (kind in ('chain', 'log')),
  -- Null: the nightly job; else the owner or administrator who asked for it.
  requested_by     uuid references auth.users (id) on delete set null,
  started_at       timestamptz not null default pg_catalog.now(),
  finished_at      timestamptz,
  -- Chain position or log event verified so far, and its hash (0, null: none yet).
  verified_through bigint not null default 0 check (verified_through >= 0),
  verified_hash    text check (verified_hash ~ '^[0-9a-f]{64}$'),
  rows_checked     bigint not null default 0 check (rows_checked >= 0),
  -- Null while running; false with the first failure.
  ok               boolean,
  failed_at        bigint,
  failed_invoice_id uuid,
  failed_number    text,
  failure          text,
  constraint invoice_chain_verifications_finished_has_result check ((finished_at is null) = (ok is null)),
  constraint invoice_chain_verifications_failure_iff_not_ok check ((ok is false) = (failure is not null)),
  constraint invoice_chain_verifications_hash_with_position check ((verified_through = 0) = (verified_hash is null))
);
comment on table private.invoice_chain_verifications is
  'Full verifications of an organization''s invoice hash chain (kind chain) or invoice log (kind log), from the first row: nightly job (requested_by null) or on demand. Read by the invoice_chain health check.';

-- One pass of each kind per organization at a time.
create unique index invoice_chain_verifications_running_key
  on private.invoice_chain_verifications (org_id, kind) where finished_at is null;
-- The last pass of an organization (health checks, the job choosing who is due;
-- passes started in one transaction share started_at, the id orders them).
create index invoice_chain_verifications_org_kind_started_idx
  on private.invoice_chain_verifications (org_id, kind, started_at desc, id desc);
-- requested_by: an auth.users delete sets it to null.
create index invoice_chain_verifications_requested_by_idx
  on private.invoice_chain_verifications (requested_by) where requested_by is not null;

alter table private.invoice_chain_verifications enable row level security;

-- Advances one running pass by at most p_max_rows rows (null: to the end),
-- from where it stopped, and finishes it when the end or a failure is reached.
-- The last passed verification of the same kind is the checkpoint the pass
-- must agree with. Returns the rows checked.
create function private.advance_invoice_chain_verification(p_id bigint, p_max_rows bigint)
  returns bigint
  language plpgsql
  set search_path = ''
as $$
declare
  v_run     private.invoice_chain_verifications;
  v_before  private.invoice_chain_verifications;
  v_ok      boolean;
  v_checked bigint;
  v_through bigint;
  v_hash    text;
  v_done    boolean;
  v_at      bigint;
  v_invoice uuid;
  v_number  text;
  v_reason  text;
begin
  select * into v_run from private.invoice_chain_verifications v where v.id = p_id and v.finished_at is null for update;
  if not found then
    return 0;
  end if;
  select * into v_before from private.invoice_chain_verifications v
  where v.org_id = v_run.org_id and v.kind = v_run.kind and v.ok and v.verified_through > 0
  order by v.started_at desc, v.id desc limit 1;

  if v_run.kind = 'chain' then
    select s.ok, s.checked, s.through_position, s.through_hash, s.complete, s.failed_position, s.invoice_id, s.number, s.reason
      into v_ok, v_checked, v_through, v_hash, v_done, v_at, v_invoice, v_number, v_reason
      from private.invoice_chain_segment(v_run.org_id, v_run.verified_through, v_run.verified_hash, p_max_rows,
                                         v_before.verified_through, v_before.verified_hash) s;
  else
    select s.ok, s.checked, s.through_seq, s.through_hash, s.complete, s.failed_seq, null::uuid, null::text, s.reason
      into v_ok, v_checked, v_through, v_hash, v_done, v_at, v_invoice, v_number, v_reason
      from private.invoice_log_segment(v_run.org_id, v_run.verified_through, v_run.verified_hash, p_max_rows,
                                       v_before.verified_through, v_before.verified_hash, 'the last verification') s;
  end if;

  update private.invoice_chain_verifications v
     set verified_through = v_through, verified_hash = v_hash, rows_checked = v.rows_checked + v_checked,
         finished_at = case when v_done then pg_catalog.clock_timestamp() end,
         ok = case when v_done then v_ok end,
         failed_at = case when not v_ok then v_at end,
         failed_invoice_id = case when not v_ok then v_invoice end,
         failed_number = case when not v_ok then v_number end,
         failure = case when not v_ok then v_reason end
   where v.id = p_id;
  return v_checked;
end;
$$;
comment on function private.advance_invoice_chain_verification(bigint, bigint) is
  'Continues one running verification (private.invoice_chain_verifications) by at most p_max_rows rows (null: to the end) and records where it stopped, or its result.';
revoke all on function private.advance_invoice_chain_verification(bigint, bigint) from public;

-- One step of the nightly job: continues the running nightly pass, else
-- starts the next one due (an organization with a chain or a log whose last
-- pass of that kind started more than 20 hours ago, or never), and so on
-- until p_max_rows rows were checked in this step or nothing is due. One
-- organization at a time; a pass too long for one step resumes in the next.
-- Returns the rows checked.
create function private.run_invoice_chain_verifications(p_max_rows bigint default 20000)
  returns bigint
  language plpgsql
  set search_path = ''
as $$
declare
  v_left bigint := p_max_rows;
  v_id   bigint;
  v_org  uuid;
  v_kind text;
begin
  if p_max_rows is null or p_max_rows < 1 then
    raise exception 'p_max_rows must be 1 or more (got %)', coalesce(p_max_rows::text, 'null') using errcode = '22023';
  end if;
  while v_left > 0 loop
    select v.id into v_id from private.invoice_chain_verifications v
    where v.finished_at is null and v.requested_by is null
    order by v.started_at, v.id limit 1;
    if not found then
      select d.org_id, d.kind into v_org, v_kind
      from (select h.org_id, 'chain'::text as kind from private.invoice_chain_heads h where h.last_position > 0
            union all
            select h.org_id, 'log' from private.invoice_log_heads h where h.last_seq > 0) d
      left join lateral (select v.started_at from private.invoice_chain_verifications v
                         where v.org_id = d.org_id and v.kind = d.kind
                         order by v.started_at desc, v.id desc limit 1) last on true
      where last.started_at is null or last.started_at < pg_catalog.now() - interval '20 hours'
      order by last.started_at nulls first, d.org_id, d.kind
      limit 1;
      exit when not found;
      insert into private.invoice_chain_verifications (org_id, kind) values (v_org, v_kind) returning id into v_id;
    end if;
    -- At least one row per pass, so a step always makes progress.
    v_left := v_left - greatest(private.advance_invoice_chain_verification(v_id, v_left), 1);
  end loop;
  return p_max_rows - greatest(v_left, 0);
end;
$$;
comment on function private.run_invoice_chain_verifications(bigint) is
  'Nightly job step (pg_cron verify-invoice-chains): advances the full verifications of the organizations'' invoice chains and logs by at most p_max_rows rows, one organization at a time.';
revoke all on function private.run_invoice_chain_verifications(bigint) from public;

-- Every minute of the Paris small hours (02:00-05:59, summer and winter time:
-- the schedule is in UTC, the condition in Paris time), one bounded step.
select cron.schedule('verify-invoice-chains', '* 0-4 * * *',
  $$select private.run_invoice_chain_verifications() where extract(hour from now() at time zone 'Europe/Paris') between 2 and 5$$);
