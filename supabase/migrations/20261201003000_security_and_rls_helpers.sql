-- =============================================================================
-- Baseline: the permission matrix and the RLS policy helpers
-- (docs/permissions.md, docs/design.md invariant 10).
--
-- private.permission_matrix is the data every policy implements: one row per
-- table, role, operation and scope. docs/permissions.md is generated from it
-- and the pgTAP matrix suite (supabase/tests/50-permission-matrix.sql,
-- 51-rls-matrix.sql) checks each policy against it. The helpers are called
-- wrapped, `(select private.fn())`, so a policy evaluates them once per
-- statement. The policies themselves sit next to their tables in each domain's
-- baseline; the tenancy tables' policies sit here, after the helpers they call.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

CREATE FUNCTION private.my_assigned_mission_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$ select a.id from private.assigned_missions() a $$;

COMMENT ON FUNCTION private.my_assigned_mission_ids() IS 'RLS (technician scope): ids of the missions assigned or open to the current technician.';

REVOKE ALL ON FUNCTION private.my_assigned_mission_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_assigned_mission_ids() TO authenticated;

-- RLS (technician scope "assigned", see private.assigned_missions()): what
-- the missions assigned or open to the current technician reference in one of
-- their columns, for the policies of those rows (clients, sites, contracts,
-- client requests, emergencies): `id in (select
-- private.my_assigned_mission_refs('site_id'))`. One helper for the five
-- columns, the column a constant of each policy; it runs once per query (a
-- hashed subplan), as a helper per column would. PL/pgSQL so that an unknown
-- column is an error, not an empty set.
CREATE FUNCTION private.my_assigned_mission_refs(p_column text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_column is null or p_column not in ('client_id', 'site_id', 'contract_id', 'client_request_id', 'emergency_request_id') then
    raise exception 'private.my_assigned_mission_refs: % is not a column a mission references (client_id, site_id, contract_id, client_request_id, emergency_request_id)',
      coalesce(p_column, 'null')
      using errcode = '22023';
  end if;
  return query
    select distinct r.id
    from private.assigned_missions() a
    cross join lateral (values (case p_column when 'client_id' then a.client_id
                                               when 'site_id' then a.site_id
                                               when 'contract_id' then a.contract_id
                                               when 'client_request_id' then a.client_request_id
                                               else a.emergency_request_id end)) as r (id)
    where r.id is not null;
end;
$$;

COMMENT ON FUNCTION private.my_assigned_mission_refs(p_column text) IS 'RLS (technician scope): the ids that the missions assigned or open to the current technician hold in one column (client_id, site_id, contract_id, client_request_id or emergency_request_id; any other is refused, 22023).';

REVOKE ALL ON FUNCTION private.my_assigned_mission_refs(p_column text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_assigned_mission_refs(p_column text) TO authenticated;

-- Clients the current user is a portal user of (one per organization at most).
CREATE FUNCTION private.my_client_ids() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return (select coalesce(pg_catalog.array_agg(m.client_id), '{}')
          from public.memberships m
          where m.user_id = auth.uid() and m.role = 'client' and m.client_id is not null);
end;
$$;

COMMENT ON FUNCTION private.my_client_ids() IS 'RLS: the clients the current user is a portal user of, as an array.';

REVOKE ALL ON FUNCTION private.my_client_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_client_ids() TO authenticated;

CREATE FUNCTION private.my_client_invoice_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select i.id
  from public.invoices i
  where i.org_id = any (private.my_org_ids_as('{client}'))
    and i.client_id = any (private.my_client_ids())
    and i.status <> 'draft'
$$;

COMMENT ON FUNCTION private.my_client_invoice_ids() IS 'RLS (client scope): ids of the issued (non-draft) invoices and credit notes of the current portal user''s client.';

REVOKE ALL ON FUNCTION private.my_client_invoice_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_client_invoice_ids() TO authenticated;

-- Documents a portal user may read: their client's quotes once sent and
-- invoices / credit notes once issued (never drafts). For the lines' policies.
CREATE FUNCTION private.my_client_quote_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select q.id
  from public.quotes q
  where q.org_id = any (private.my_org_ids_as('{client}'))
    and q.client_id = any (private.my_client_ids())
    and q.status <> 'draft'
$$;

COMMENT ON FUNCTION private.my_client_quote_ids() IS 'RLS (client scope): ids of the sent (non-draft) quotes of the current portal user''s client.';

REVOKE ALL ON FUNCTION private.my_client_quote_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_client_quote_ids() TO authenticated;

-- Members of every organization where the current user is staff (not a
-- portal user): whose names they may read.
CREATE FUNCTION private.my_colleague_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce(pg_catalog.array_agg(distinct o.user_id), '{}')
  from public.memberships me
  join public.memberships o on o.org_id = me.org_id
  where me.user_id = auth.uid() and me.role <> 'client'
$$;

COMMENT ON FUNCTION private.my_colleague_ids() IS 'RLS: user ids of the members of the organizations where the current user holds a staff role.';

REVOKE ALL ON FUNCTION private.my_colleague_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_colleague_ids() TO authenticated;

-- Organizations where the current user holds one of the roles.
CREATE FUNCTION private.my_org_ids_as(p_roles public.member_role[]) RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return (select coalesce(pg_catalog.array_agg(m.org_id), '{}')
          from public.memberships m
          where m.user_id = auth.uid() and m.role = any (p_roles));
end;
$$;

-- The technician scope of a mission as one indexable key (see
-- missions_technician_scope_idx and the policy missions_select): the current
-- user has the keys (org, me) and (org) for each organization where they are
-- a technician. PL/pgSQL, like my_org_ids_as: its query plan is kept for the
-- session.
CREATE FUNCTION private.my_technician_mission_keys() RETURNS bytea[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return (select coalesce(pg_catalog.array_agg(k.key), '{}')
          from public.memberships m
          cross join lateral (values (pg_catalog.uuid_send(m.org_id) operator(pg_catalog.||) pg_catalog.uuid_send(m.user_id)),
                                     (pg_catalog.uuid_send(m.org_id))) as k (key)
          where m.user_id = auth.uid() and m.role = 'technician');
end;
$$;

COMMENT ON FUNCTION private.my_technician_mission_keys() IS 'RLS (technician scope): the mission scope keys of the current user, (org, me) and (org) for each organization where they are a technician. Matched against missions_technician_scope_idx.';

REVOKE ALL ON FUNCTION private.my_technician_mission_keys() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_technician_mission_keys() TO authenticated;

CREATE TABLE private.permission_matrix (
    table_name text NOT NULL,
    role text NOT NULL,
    operation text NOT NULL,
    scope text NOT NULL,
    note text,
    CONSTRAINT permission_matrix_operation_check CHECK ((operation = ANY (ARRAY['select'::text, 'insert'::text, 'update'::text, 'delete'::text]))),
    CONSTRAINT permission_matrix_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'dispatcher'::text, 'technician'::text, 'accountant'::text, 'client'::text, 'anon'::text]))),
    CONSTRAINT permission_matrix_scope_check CHECK ((scope = ANY (ARRAY['org'::text, 'assigned'::text, 'own'::text, 'client'::text, 'reference'::text])))
);

ALTER TABLE ONLY private.permission_matrix
    ADD CONSTRAINT permission_matrix_pkey PRIMARY KEY (table_name, role, operation);

ALTER TABLE private.permission_matrix ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.permission_matrix IS 'Role × table × operation the API allows, with the scope of rows (org, assigned, own, client, reference); a missing row means denied. Source of docs/permissions.md and of the generated pgTAP RLS suite.';

COMMENT ON COLUMN private.permission_matrix.table_name IS 'Schema-qualified relation name, e.g. public.missions.';

INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'owner', 'select', 'org', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'admin', 'select', 'org', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'dispatcher', 'select', 'org', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'technician', 'select', 'org', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'accountant', 'select', 'org', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'client', 'select', 'org', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'owner', 'update', 'org', 'Legal identity and invoicing settings only (column grants); organizations are created by service_role (onboarding).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.organizations', 'admin', 'update', 'org', 'Legal identity and invoicing settings only (column grants); organizations are created by service_role (onboarding).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'owner', 'select', 'org', 'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'admin', 'select', 'org', 'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'dispatcher', 'select', 'org', 'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'technician', 'select', 'org', 'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'accountant', 'select', 'org', 'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'client', 'select', 'own', 'A portal user reads their own profile only: staff contact details are not shown to clients.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'owner', 'update', 'own', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'admin', 'update', 'own', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'dispatcher', 'update', 'own', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'technician', 'update', 'own', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'accountant', 'update', 'own', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.profiles', 'client', 'update', 'own', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'owner', 'select', 'org', 'Who is who in the organization (technicians, on-call, portal users) for planning.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'admin', 'select', 'org', 'Who is who in the organization (technicians, on-call, portal users) for planning.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'dispatcher', 'select', 'org', 'Who is who in the organization (technicians, on-call, portal users) for planning.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'technician', 'select', 'own', 'Their own membership: the app learns its role (and client) from it.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'accountant', 'select', 'own', 'Their own membership: the app learns its role (and client) from it.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'client', 'select', 'own', 'Their own membership: the app learns its role (and client) from it.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'accountant', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'technician', 'select', 'assigned', 'Clients of the missions assigned (or open) to them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'client', 'select', 'client', 'Their own client row.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'owner', 'insert', 'org', 'Dispatch takes new customers on the phone; accountants keep billing details.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'admin', 'insert', 'org', 'Dispatch takes new customers on the phone; accountants keep billing details.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'dispatcher', 'insert', 'org', 'Dispatch takes new customers on the phone; accountants keep billing details.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'accountant', 'insert', 'org', 'Dispatch takes new customers on the phone; accountants keep billing details.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'owner', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'admin', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'dispatcher', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'accountant', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'owner', 'delete', 'org', 'Refused by foreign keys once the client has missions or documents.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.clients', 'admin', 'delete', 'org', 'Refused by foreign keys once the client has missions or documents.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'accountant', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'technician', 'select', 'assigned', 'Sites of the missions assigned (or open) to them: address and access notes.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'client', 'select', 'client', 'Their client''s sites.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'owner', 'insert', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'admin', 'insert', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'dispatcher', 'insert', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'owner', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'admin', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'dispatcher', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'owner', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.sites', 'admin', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'accountant', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'technician', 'select', 'assigned', 'The contract of a mission assigned (or open) to them (SLA, visit frequency).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'client', 'select', 'client', 'Their client''s contracts.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'owner', 'insert', 'org', 'Contracts are commercial commitments: owner/admin.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'admin', 'insert', 'org', 'Contracts are commercial commitments: owner/admin.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'owner', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'admin', 'update', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'owner', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.maintenance_contracts', 'admin', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'technician', 'select', 'assigned', 'The request behind a mission assigned (or open) to them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'client', 'select', 'client', 'Their client''s requests.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'owner', 'insert', 'org', 'Requests taken on the phone.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'admin', 'insert', 'org', 'Requests taken on the phone.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'dispatcher', 'insert', 'org', 'Requests taken on the phone.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'client', 'insert', 'client', 'For their own client only, with status open; created_by defaults to the signed-in user (not writable).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'owner', 'update', 'org', 'site, subject, description, status (column grants).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'admin', 'update', 'org', 'site, subject, description, status (column grants).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'dispatcher', 'update', 'org', 'site, subject, description, status (column grants).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'owner', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.client_requests', 'admin', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'technician', 'select', 'assigned', 'The emergency behind a mission assigned (or open) to them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'client', 'select', 'client', 'Their client''s emergencies.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'owner', 'insert', 'org', 'Emergencies taken on the phone; always created pending (status is not writable on insert).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'admin', 'insert', 'org', 'Emergencies taken on the phone; always created pending (status is not writable on insert).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'dispatcher', 'insert', 'org', 'Emergencies taken on the phone; always created pending (status is not writable on insert).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'client', 'insert', 'client', 'For their own client only, from the portal (source portal); created pending, created_by = the signed-in user.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'owner', 'update', 'org', 'site, severity, description, status (forward only, enforced by trigger); acknowledged_by is set by the trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'admin', 'update', 'org', 'site, severity, description, status (forward only, enforced by trigger); acknowledged_by is set by the trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'dispatcher', 'update', 'org', 'site, severity, description, status (forward only, enforced by trigger); acknowledged_by is set by the trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'owner', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.emergency_requests', 'admin', 'delete', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'owner', 'select', 'org', 'Accountants read missions to invoice them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'admin', 'select', 'org', 'Accountants read missions to invoice them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'dispatcher', 'select', 'org', 'Accountants read missions to invoice them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'accountant', 'select', 'org', 'Accountants read missions to invoice them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'technician', 'select', 'assigned', 'Missions assigned to them, plus published missions with no technician yet (the pool they accept from). Status moves only through transition_mission / bulk_transition_missions (no direct update).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'client', 'select', 'client', 'Their client''s missions (status and schedule).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'owner', 'insert', 'org', 'Created new (trigger); status moves only through transition_mission.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'admin', 'insert', 'org', 'Created new (trigger); status moves only through transition_mission.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'dispatcher', 'insert', 'org', 'Created new (trigger); status moves only through transition_mission.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'owner', 'update', 'org', 'Planning columns only (column grants: schedule, site, description, priority, technician, links); status and lifecycle timestamps only through transition_mission. No delete: cancel instead.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'admin', 'update', 'org', 'Planning columns only (column grants: schedule, site, description, priority, technician, links); status and lifecycle timestamps only through transition_mission. No delete: cancel instead.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.missions', 'dispatcher', 'update', 'org', 'Planning columns only (column grants: schedule, site, description, priority, technician, links); status and lifecycle timestamps only through transition_mission. No delete: cancel instead.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_status_history', 'owner', 'select', 'org', 'Written only by the mission trigger (who, from, to, when, why).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_status_history', 'admin', 'select', 'org', 'Written only by the mission trigger (who, from, to, when, why).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_status_history', 'dispatcher', 'select', 'org', 'Written only by the mission trigger (who, from, to, when, why).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_status_history', 'technician', 'select', 'assigned', 'History of the missions assigned (or open) to them.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_valid_transitions', 'owner', 'select', 'reference', 'The mission status graph (global reference data): apps read which moves exist.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_valid_transitions', 'admin', 'select', 'reference', 'The mission status graph (global reference data): apps read which moves exist.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_valid_transitions', 'dispatcher', 'select', 'reference', 'The mission status graph (global reference data): apps read which moves exist.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_valid_transitions', 'technician', 'select', 'reference', 'The mission status graph (global reference data): apps read which moves exist.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_valid_transitions', 'accountant', 'select', 'reference', 'The mission status graph (global reference data): apps read which moves exist.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_valid_transitions', 'client', 'select', 'reference', 'The mission status graph (global reference data): apps read which moves exist.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_notes', 'owner', 'select', 'org', 'Notes are added only through add_mission_note (idempotent; owner, admin, dispatcher, the mission''s technician) and never edited.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_notes', 'admin', 'select', 'org', 'Notes are added only through add_mission_note (idempotent; owner, admin, dispatcher, the mission''s technician) and never edited.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_notes', 'dispatcher', 'select', 'org', 'Notes are added only through add_mission_note (idempotent; owner, admin, dispatcher, the mission''s technician) and never edited.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.mission_notes', 'technician', 'select', 'assigned', 'Notes of the missions assigned (or open) to them; they add notes with add_mission_note.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'owner', 'select', 'org', 'Approval through bulk_approve_timesheets; approved rows are changed only with override_timesheet_lock (owner/admin, audited).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'admin', 'select', 'org', 'Approval through bulk_approve_timesheets; approved rows are changed only with override_timesheet_lock (owner/admin, audited).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'dispatcher', 'select', 'org', 'Approval through bulk_approve_timesheets; approved rows are changed only with override_timesheet_lock (owner/admin, audited).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'accountant', 'select', 'org', 'Approved rows only (approved_at is not null): invoicing bills approved hours; hours awaiting approval are HR data.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'technician', 'select', 'own', 'Their own hours; they log hours only through log_hours (idempotent).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'owner', 'update', 'org', 'Correcting hours before approval (hours, work_date, note, mission_id; column grants); the lock trigger refuses approved or invoiced rows.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'admin', 'update', 'org', 'Correcting hours before approval (hours, work_date, note, mission_id; column grants); the lock trigger refuses approved or invoiced rows.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'dispatcher', 'update', 'org', 'Correcting hours before approval (hours, work_date, note, mission_id; column grants); the lock trigger refuses approved or invoiced rows.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'owner', 'delete', 'org', 'Unapproved rows only (lock trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'admin', 'delete', 'org', 'Unapproved rows only (lock trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.timesheets', 'dispatcher', 'delete', 'org', 'Unapproved rows only (lock trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.lock_overrides', 'owner', 'select', 'org', 'Audit of lock overrides; written only by override_timesheet_lock, append-only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.lock_overrides', 'admin', 'select', 'org', 'Audit of lock overrides; written only by override_timesheet_lock, append-only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'owner', 'select', 'org', 'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'admin', 'select', 'org', 'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'dispatcher', 'select', 'org', 'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'technician', 'select', 'org', 'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'accountant', 'select', 'org', 'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'owner', 'insert', 'org', 'Created with on_hand 0; stock comes from movements.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'admin', 'insert', 'org', 'Created with on_hand 0; stock comes from movements.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'owner', 'update', 'org', 'Catalogue columns only (column grants); on_hand moves only with stock movements.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'admin', 'update', 'org', 'Catalogue columns only (column grants); on_hand moves only with stock movements.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'owner', 'delete', 'org', 'Refused by foreign keys once the item has movements.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_items', 'admin', 'delete', 'org', 'Refused by foreign keys once the item has movements.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'owner', 'select', 'org', 'Append-only ledger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'admin', 'select', 'org', 'Append-only ledger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'dispatcher', 'select', 'org', 'Append-only ledger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'accountant', 'select', 'org', 'Append-only ledger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'technician', 'select', 'assigned', 'Movements of the missions assigned to them; parts used are recorded only through record_stock_use.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'owner', 'insert', 'org', 'Deliveries (in) and inventory adjustments; no update or delete ever (append-only trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_movements', 'admin', 'insert', 'org', 'Deliveries (in) and inventory adjustments; no update or delete ever (append-only trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_low', 'owner', 'select', 'org', 'View (security_invoker) over stock_items: the rows of stock_items the user may read.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_low', 'admin', 'select', 'org', 'View (security_invoker) over stock_items: the rows of stock_items the user may read.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_low', 'dispatcher', 'select', 'org', 'View (security_invoker) over stock_items: the rows of stock_items the user may read.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_low', 'technician', 'select', 'org', 'View (security_invoker) over stock_items: the rows of stock_items the user may read.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_low', 'accountant', 'select', 'org', 'View (security_invoker) over stock_items: the rows of stock_items the user may read.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_negative', 'owner', 'select', 'org', 'View (security_invoker) over stock_items; always empty (invariant 6).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_negative', 'admin', 'select', 'org', 'View (security_invoker) over stock_items; always empty (invariant 6).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_negative', 'dispatcher', 'select', 'org', 'View (security_invoker) over stock_items; always empty (invariant 6).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_negative', 'technician', 'select', 'org', 'View (security_invoker) over stock_items; always empty (invariant 6).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.stock_negative', 'accountant', 'select', 'org', 'View (security_invoker) over stock_items; always empty (invariant 6).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'accountant', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'client', 'select', 'client', 'Their client''s quotes once sent (never drafts).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'owner', 'insert', 'org', 'Created as drafts; numbered only by send_quote.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'admin', 'insert', 'org', 'Created as drafts; numbered only by send_quote.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'dispatcher', 'insert', 'org', 'Created as drafts; numbered only by send_quote.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'accountant', 'insert', 'org', 'Created as drafts; numbered only by send_quote.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'owner', 'update', 'org', 'Drafts, and the decision on a sent quote (accepted, rejected, expired); sent content is frozen by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'admin', 'update', 'org', 'Drafts, and the decision on a sent quote (accepted, rejected, expired); sent content is frozen by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'dispatcher', 'update', 'org', 'Drafts, and the decision on a sent quote (accepted, rejected, expired); sent content is frozen by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'accountant', 'update', 'org', 'Drafts, and the decision on a sent quote (accepted, rejected, expired); sent content is frozen by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'owner', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'admin', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'dispatcher', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quotes', 'accountant', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'dispatcher', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'accountant', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'client', 'select', 'client', 'Lines of their client''s sent quotes.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'owner', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'admin', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'dispatcher', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'accountant', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'owner', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'admin', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'dispatcher', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'accountant', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'owner', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'admin', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'dispatcher', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.quote_lines', 'accountant', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'owner', 'select', 'org', 'Money: not for dispatchers or technicians.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'admin', 'select', 'org', 'Money: not for dispatchers or technicians.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'accountant', 'select', 'org', 'Money: not for dispatchers or technicians.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'client', 'select', 'client', 'Their client''s invoices and credit notes once issued (never drafts).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'owner', 'insert', 'org', 'Drafts only; numbers come from issue_invoice.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'admin', 'insert', 'org', 'Drafts only; numbers come from issue_invoice.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'accountant', 'insert', 'org', 'Drafts only; numbers come from issue_invoice.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'owner', 'update', 'org', 'Draft columns only (column grants); status, number, hash chain and PDF hash only through issue_invoice, mark_invoice_sent and reconcile_payments; issued invoices are locked by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'admin', 'update', 'org', 'Draft columns only (column grants); status, number, hash chain and PDF hash only through issue_invoice, mark_invoice_sent and reconcile_payments; issued invoices are locked by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'accountant', 'update', 'org', 'Draft columns only (column grants); status, number, hash chain and PDF hash only through issue_invoice, mark_invoice_sent and reconcile_payments; issued invoices are locked by trigger.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'owner', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'admin', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoices', 'accountant', 'delete', 'org', 'Drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'accountant', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'client', 'select', 'client', 'Lines of their client''s issued invoices and credit notes.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'owner', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'admin', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'accountant', 'insert', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'owner', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'admin', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'accountant', 'update', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'owner', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'admin', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.invoice_lines', 'accountant', 'delete', 'org', 'Lines of drafts only (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'owner', 'select', 'org', 'Not for client users: the invoice status tells them what is paid; bank labels are internal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'admin', 'select', 'org', 'Not for client users: the invoice status tells them what is paid; bank labels are internal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'accountant', 'select', 'org', 'Not for client users: the invoice status tells them what is paid; bank labels are internal.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'owner', 'insert', 'org', 'Against issued invoices, or unmatched imports (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'admin', 'insert', 'org', 'Against issued invoices, or unmatched imports (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'accountant', 'insert', 'org', 'Against issued invoices, or unmatched imports (trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'owner', 'update', 'org', 'Matching an unmatched payment to an invoice (invoice_id only, once; trigger). Invoice status moves only through reconcile_payments.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'admin', 'update', 'org', 'Matching an unmatched payment to an invoice (invoice_id only, once; trigger). Invoice status moves only through reconcile_payments.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'accountant', 'update', 'org', 'Matching an unmatched payment to an invoice (invoice_id only, once; trigger). Invoice status moves only through reconcile_payments.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'owner', 'delete', 'org', 'Unmatched payments only (a wrong import; trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'admin', 'delete', 'org', 'Unmatched payments only (a wrong import; trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.payments', 'accountant', 'delete', 'org', 'Unmatched payments only (a wrong import; trigger).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'owner', 'select', 'own', 'Own notifications only (user_id = auth.uid()).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'owner', 'update', 'own', 'Mark own notifications read: column grant on read_at only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'admin', 'select', 'own', 'Own notifications only (user_id = auth.uid()).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'admin', 'update', 'own', 'Mark own notifications read: column grant on read_at only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'dispatcher', 'select', 'own', 'Own notifications only (user_id = auth.uid()).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'dispatcher', 'update', 'own', 'Mark own notifications read: column grant on read_at only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'technician', 'select', 'own', 'Own notifications only (user_id = auth.uid()).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'technician', 'update', 'own', 'Mark own notifications read: column grant on read_at only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'accountant', 'select', 'own', 'Own notifications only (user_id = auth.uid()).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'accountant', 'update', 'own', 'Mark own notifications read: column grant on read_at only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'client', 'select', 'own', 'Own notifications only (user_id = auth.uid()).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notifications', 'client', 'update', 'own', 'Mark own notifications read: column grant on read_at only.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.api_keys', 'owner', 'select', 'org', 'Metadata of the organization''s keys; never secret_hash (column grant). Writes through create/rotate/revoke_api_key.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.api_keys', 'admin', 'select', 'org', 'Metadata of the organization''s keys; never secret_hash (column grant). Writes through create/rotate/revoke_api_key.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.app_events', 'owner', 'select', 'org', 'Business event log of the organization; written only by triggers, private.log_app_event and the service role.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.app_events', 'admin', 'select', 'org', 'Business event log of the organization; written only by triggers, private.log_app_event and the service role.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.app_events', 'dispatcher', 'select', 'org', 'Business event log of the organization; written only by triggers, private.log_app_event and the service role.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_config', 'owner', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_config', 'admin', 'select', 'org', NULL);
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_config', 'dispatcher', 'select', 'org', 'Read only: the alerts they receive.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_config', 'accountant', 'select', 'org', 'Read only: the alerts they receive.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_config', 'owner', 'update', 'org', 'Thresholds, severity, recipients, repeat and escalation (column grants; never org or type). Rows are seeded, never inserted or deleted.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_config', 'admin', 'update', 'org', 'Thresholds, severity, recipients, repeat and escalation (column grants; never org or type). Rows are seeded, never inserted or deleted.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_emergencies_pending', 'owner', 'select', 'org', 'View (security_invoker) over alert_config and emergency_requests.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_emergencies_pending', 'admin', 'select', 'org', 'View (security_invoker) over alert_config and emergency_requests.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_emergencies_pending', 'dispatcher', 'select', 'org', 'View (security_invoker) over alert_config and emergency_requests.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_invoices_overdue', 'owner', 'select', 'org', 'View (security_invoker) over alert_config and invoices (money: not for dispatchers).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_invoices_overdue', 'admin', 'select', 'org', 'View (security_invoker) over alert_config and invoices (money: not for dispatchers).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_invoices_overdue', 'accountant', 'select', 'org', 'View (security_invoker) over alert_config and invoices (money: not for dispatchers).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_stock_critical', 'owner', 'select', 'org', 'View (security_invoker) over alert_config and stock_items.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_stock_critical', 'admin', 'select', 'org', 'View (security_invoker) over alert_config and stock_items.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_stock_critical', 'dispatcher', 'select', 'org', 'View (security_invoker) over alert_config and stock_items.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_stock_critical', 'accountant', 'select', 'org', 'View (security_invoker) over alert_config and stock_items.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_missions_blocked', 'owner', 'select', 'org', 'View (security_invoker) over alert_config and missions.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_missions_blocked', 'admin', 'select', 'org', 'View (security_invoker) over alert_config and missions.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_missions_blocked', 'dispatcher', 'select', 'org', 'View (security_invoker) over alert_config and missions.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_missions_blocked', 'accountant', 'select', 'org', 'View (security_invoker) over alert_config and missions.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_timesheets_unapproved', 'owner', 'select', 'org', 'View (security_invoker) over alert_config, timesheets and memberships (accountants read approved hours only).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_timesheets_unapproved', 'admin', 'select', 'org', 'View (security_invoker) over alert_config, timesheets and memberships (accountants read approved hours only).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alert_timesheets_unapproved', 'dispatcher', 'select', 'org', 'View (security_invoker) over alert_config, timesheets and memberships (accountants read approved hours only).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alerts', 'owner', 'select', 'org', 'Alerts of the organization. Acknowledge / silence through acknowledge_alert and silence_alert (also open to the roles the alert notifies).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alerts', 'admin', 'select', 'org', 'Alerts of the organization. Acknowledge / silence through acknowledge_alert and silence_alert (also open to the roles the alert notifies).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.alerts', 'dispatcher', 'select', 'org', 'Alerts of the organization. Acknowledge / silence through acknowledge_alert and silence_alert (also open to the roles the alert notifies).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notification_preferences', 'owner', 'select', 'own', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notification_preferences', 'admin', 'select', 'own', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notification_preferences', 'dispatcher', 'select', 'own', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notification_preferences', 'technician', 'select', 'own', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notification_preferences', 'accountant', 'select', 'own', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.notification_preferences', 'client', 'select', 'own', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'owner', 'select', 'org', 'Rules on external events: dispatch sees why an emergency was created.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'admin', 'select', 'org', 'Rules on external events: dispatch sees why an emergency was created.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'dispatcher', 'select', 'org', 'Rules on external events: dispatch sees why an emergency was created.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'owner', 'update', 'org', 'Edit or disable rules (column grants; never org_id). Rules are created with public.create_rule (owner, admin), not by INSERT.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'admin', 'update', 'org', 'Edit or disable rules (column grants; never org_id). Rules are created with public.create_rule (owner, admin), not by INSERT.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'owner', 'delete', 'org', 'Delete rules (their firing history goes with them).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rules', 'admin', 'delete', 'org', 'Delete rules (their firing history goes with them).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.events', 'owner', 'select', 'org', 'External events received with the organization''s API keys; written only by ingest_event (service role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.events', 'admin', 'select', 'org', 'External events received with the organization''s API keys; written only by ingest_event (service role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.events', 'dispatcher', 'select', 'org', 'External events received with the organization''s API keys; written only by ingest_event (service role).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rule_firings', 'owner', 'select', 'org', 'Which rule fired (or was suppressed) on which event; written only by ingest_event.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rule_firings', 'admin', 'select', 'org', 'Which rule fired (or was suppressed) on which event; written only by ingest_event.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.rule_firings', 'dispatcher', 'select', 'org', 'Which rule fired (or was suppressed) on which event; written only by ingest_event.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'admin', 'update', 'org', 'role, client_id, on_call (column grants). Only an owner grants or removes the owner role; an organization keeps at least one owner; a technician with open missions keeps the role. Needs a live session. New members are invited through service_role (auth user + membership).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'owner', 'update', 'org', 'role, client_id, on_call (column grants). Only an owner grants or removes the owner role; an organization keeps at least one owner; a technician with open missions keeps the role. Needs a live session. New members are invited through service_role (auth user + membership).');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'admin', 'delete', 'org', 'Ends a membership. Only an owner removes an owner, never the last one; refused while the member holds open missions, and by foreign keys while missions or timesheets still name the member. Needs a live session.');
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note) VALUES ('public.memberships', 'owner', 'delete', 'org', 'Ends a membership. Only an owner removes an owner, never the last one; refused while the member holds open missions, and by foreign keys while missions or timesheets still name the member. Needs a live session.');

-- Tables deliberately closed to every API role (no policy, no grant, not even
-- service_role): internal bookkeeping written and read only by SECURITY
-- DEFINER functions. Listed so the RLS suite can tell "closed on purpose"
-- from "forgotten" (a table with neither matrix rows nor an entry here fails).
CREATE TABLE private.permission_matrix_closed_tables (
    table_name text NOT NULL,
    reason text NOT NULL,
    CONSTRAINT permission_matrix_closed_tables_reason_check CHECK ((length(btrim(reason)) > 0))
);

ALTER TABLE ONLY private.permission_matrix_closed_tables
    ADD CONSTRAINT permission_matrix_closed_tables_pkey PRIMARY KEY (table_name);

ALTER TABLE private.permission_matrix_closed_tables ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE private.permission_matrix_closed_tables IS 'Exposed-schema tables closed to every API role on purpose (no grant, no policy), with the reason.';

INSERT INTO private.permission_matrix_closed_tables (table_name, reason) VALUES ('public.idempotency_keys', 'Results of idempotent API calls: read and written only by private.idempotency_lookup / idempotency_store inside the API functions. No policy and no grant for any API role, service_role included.');
INSERT INTO private.permission_matrix_closed_tables (table_name, reason) VALUES ('public.notification_templates', 'Reference texts rendered server-side by private.create_notification; no API role reads or writes them (migrations do).');
INSERT INTO private.permission_matrix_closed_tables (table_name, reason) VALUES ('public.push_subscriptions', 'Device keys (p256dh, auth) of a user: no org_id (a device belongs to a user, not an organization), so written only through register_push_subscription / delete_push_subscription (own rows) and read by the push sender through a definer function.');
INSERT INTO private.permission_matrix_closed_tables (table_name, reason) VALUES ('public.unsubscribe_tokens', 'Hashes of unsubscribe tokens: issued by private.issue_unsubscribe_token, checked by public.unsubscribe only.');

COMMENT ON FUNCTION private.my_org_ids_as(p_roles public.member_role[]) IS 'RLS: organizations where the current user holds one of the roles, as an array (use as org_id = any ((select …)::uuid[])).';

CREATE POLICY memberships_delete ON public.memberships FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- memberships ----------------------------------------------------------------
CREATE POLICY memberships_select ON public.memberships FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR (user_id = ( SELECT auth.uid() AS uid))));

CREATE POLICY memberships_update ON public.memberships FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- organizations --------------------------------------------------------------
CREATE POLICY organizations_select ON public.organizations FOR SELECT TO authenticated USING ((id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant,client}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY organizations_update ON public.organizations FOR UPDATE TO authenticated USING ((id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- profiles -------------------------------------------------------------------
CREATE POLICY profiles_select ON public.profiles FOR SELECT TO authenticated USING (((id = ( SELECT auth.uid() AS uid)) OR (id = ANY (( SELECT private.my_colleague_ids() AS my_colleague_ids)::uuid[]))));

REVOKE ALL ON FUNCTION private.my_org_ids_as(p_roles public.member_role[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_org_ids_as(p_roles public.member_role[]) TO authenticated;

