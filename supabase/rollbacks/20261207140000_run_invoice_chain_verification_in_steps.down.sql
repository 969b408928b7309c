-- Down file of supabase/migrations/20261207140000_run_invoice_chain_verification_in_steps.sql: returns the
-- database to the state before that migration (docs/conventions.md § Reversible migrations): the
-- whole-history run_invoice_chain_verification(uuid) of 20261207110200.
update ops.lint_allowlist
   set object = 'public.run_invoice_chain_verification(uuid)'
 where rule = 'authenticated_security_definer_function_executable' and object = 'public.run_invoice_chain_verification(uuid,integer)';
drop function public.run_invoice_chain_verification(uuid, integer);
drop function private.invoice_chain_verification_progress(bigint[]);
create function public.run_invoice_chain_verification(p_org_id uuid)
  returns table (kind text, ok boolean, rows_checked bigint, verified_through bigint,
                 failed_at bigint, invoice_id uuid, number text, reason text, finished_at timestamptz)
  language plpgsql
  security definer
  set search_path = ''
as $$
#variable_conflict use_column
declare
  v_kind text;
  v_id   bigint;
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'Name the organization whose invoices to verify (p_org_id)');
  end if;
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin']::public.member_role[],
                                      'run_invoice_chain_verification', pg_catalog.format('Organization %s', p_org_id));
  foreach v_kind in array array['chain', 'log'] loop
    -- A nightly pass of this organization still running is finished now,
    -- from where it stopped: it started from the first row too.
    select v.id into v_id from private.invoice_chain_verifications v
    where v.org_id = p_org_id and v.kind = v_kind and v.finished_at is null
    for update;
    if not found then
      insert into private.invoice_chain_verifications (org_id, kind, requested_by)
      values (p_org_id, v_kind, auth.uid())
      returning id into v_id;
    end if;
    perform private.advance_invoice_chain_verification(v_id, null);
    return query
    select v.kind, v.ok, v.rows_checked, v.verified_through, v.failed_at, v.failed_invoice_id, v.failed_number, v.failure, v.finished_at
    from private.invoice_chain_verifications v where v.id = v_id;
  end loop;
end;
$$;
comment on function public.run_invoice_chain_verification(uuid) is
  'RPC (owner, admin): recomputes the organization''s invoice hash chain and invoice log from the first row now and records the result for the health page; one row per kind (chain, log): ok, rows checked, position reached, first failure.';
revoke all on function public.run_invoice_chain_verification(uuid) from public;
grant execute on function public.run_invoice_chain_verification(uuid) to authenticated, service_role;
