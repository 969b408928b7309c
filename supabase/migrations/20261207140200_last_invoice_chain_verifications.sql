-- The last full verification of each kind, for the health page.
--
-- The invoice_chain health check lists problems only: a passed verification
-- leaves no trace in it, so the page could not say when the chain was last
-- verified, over how many rows. This reads the latest finished pass of the
-- organization's invoice hash chain and of its invoice log (the nightly
-- job's or one asked for), in run_invoice_chain_verification's shape. For
-- the owners and administrators, who see the health page and may run one.
-- Definer: the verification records stay closed to the API roles.

create function public.last_invoice_chain_verifications(p_org_id uuid)
  returns table (kind text, done boolean, ok boolean, rows_checked bigint, rows_total bigint, verified_through bigint,
                 failed_at bigint, invoice_id uuid, number text, reason text, started_at timestamptz, finished_at timestamptz)
  language plpgsql stable
  security definer
  set search_path = ''
as $$
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'Name the organization whose verifications to read (p_org_id)');
  end if;
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin']::public.member_role[],
                                      'last_invoice_chain_verifications', pg_catalog.format('Organization %s', p_org_id));
  return query
  select * from private.invoice_chain_verification_progress(array(
    select l.id from unnest(array['chain', 'log']) k (kind)
    cross join lateral (select v.id from private.invoice_chain_verifications v
                        where v.org_id = p_org_id and v.kind = k.kind and v.finished_at is not null
                        order by v.started_at desc, v.id desc limit 1) l));
end;
$$;
comment on function public.last_invoice_chain_verifications(uuid) is
  'RPC (owner, admin): the latest finished full verification of the organization''s invoice hash chain and of its invoice log (none of a kind never verified): when, rows checked, result, first failure.';
revoke all on function public.last_invoice_chain_verifications(uuid) from public;
grant execute on function public.last_invoice_chain_verifications(uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.last_invoice_chain_verifications(uuid)',
   'private.authorize_invoicing checks the caller is an owner or admin of the organization; definer to read the verification records, closed to the API roles.');
