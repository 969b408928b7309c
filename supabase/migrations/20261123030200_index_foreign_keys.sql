-- Indexes behind the foreign keys the lint (rule fk_without_index) found
-- unsupported in the issue 3 schema.
--
-- Without them, deleting or re-keying a parent row (a site, a contract, a
-- request, a technician's membership) makes the foreign-key check scan the
-- child table, under a lock, once per parent row. They also serve the obvious
-- lookups ("missions of this contract / request / emergency", "requests of
-- this site").
--
-- Partial on "<column> is not null" where the column is nullable: the checks
-- look rows up by equality, which implies not null, so the partial index
-- serves them while rows without a parent cost nothing.
-- (org_id, site_id) is enough for (org_id, client_id, site_id) → sites: a site
-- id identifies the site, hence its client (see ops.lint_catalog, rule f).

create index maintenance_contracts_site_idx on public.maintenance_contracts (org_id, site_id) where site_id is not null;
create index client_requests_site_idx on public.client_requests (org_id, site_id) where site_id is not null;
create index emergency_requests_site_idx on public.emergency_requests (org_id, site_id) where site_id is not null;

create index missions_contract_idx on public.missions (org_id, contract_id) where contract_id is not null;
create index missions_client_request_idx on public.missions (org_id, client_request_id) where client_request_id is not null;
create index missions_emergency_request_idx on public.missions (org_id, emergency_request_id) where emergency_request_id is not null;
-- missions_technician_idx leads with technician_id alone; a user's missions
-- in one organization (removing their membership there) need both columns.
create index missions_org_technician_idx on public.missions (org_id, technician_id) where technician_id is not null;
