-- Down file of supabase/migrations/20261207140100_nightly_resumes_on_demand_passes.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations): the
-- nightly job resumes only its own passes again.
create or replace function private.run_invoice_chain_verifications(p_max_rows bigint default 20000)
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
