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

-- The matrix: one line per (table, operation, scope, note) with the roles it
-- grants; a role left out of a table and operation is denied. Rows are
-- inserted line by line, each line's roles in the order written.
INSERT INTO private.permission_matrix (table_name, role, operation, scope, note)
SELECT m.table_name, r.role, m.operation, m.scope, m.note
FROM (VALUES
    (  1, 'public.organizations',               'select', 'org',       '{owner,admin,dispatcher,technician,accountant,client}', 'Every member reads their organization: the legal identity printed on invoices and shown in the portal.'),
    (  2, 'public.organizations',               'update', 'org',       '{owner,admin}',                                         'Legal identity and invoicing settings only (column grants); organizations are created by service_role (onboarding).'),
    (  3, 'public.profiles',                    'select', 'org',       '{owner,admin,dispatcher,technician,accountant}',        'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.'),
    (  4, 'public.profiles',                    'select', 'own',       '{client}',                                              'A portal user reads their own profile only: staff contact details are not shown to clients.'),
    (  5, 'public.profiles',                    'update', 'own',       '{owner,admin,dispatcher,technician,accountant,client}', 'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.'),
    (  6, 'public.memberships',                 'select', 'org',       '{owner,admin,dispatcher}',                              'Who is who in the organization (technicians, on-call, portal users) for planning.'),
    (  7, 'public.memberships',                 'select', 'own',       '{technician,accountant,client}',                        'Their own membership: the app learns its role (and client) from it.'),
    (  8, 'public.clients',                     'select', 'org',       '{owner,admin,dispatcher,accountant}',                   NULL),
    (  9, 'public.clients',                     'select', 'assigned',  '{technician}',                                          'Clients of the missions assigned (or open) to them.'),
    ( 10, 'public.clients',                     'select', 'client',    '{client}',                                              'Their own client row.'),
    ( 11, 'public.clients',                     'insert', 'org',       '{owner,admin,dispatcher,accountant}',                   'Dispatch takes new customers on the phone; accountants keep billing details.'),
    ( 12, 'public.clients',                     'update', 'org',       '{owner,admin,dispatcher,accountant}',                   NULL),
    ( 13, 'public.clients',                     'delete', 'org',       '{owner,admin}',                                         'Refused by foreign keys once the client has missions or documents.'),
    ( 14, 'public.sites',                       'select', 'org',       '{owner,admin,dispatcher,accountant}',                   NULL),
    ( 15, 'public.sites',                       'select', 'assigned',  '{technician}',                                          'Sites of the missions assigned (or open) to them: address and access notes.'),
    ( 16, 'public.sites',                       'select', 'client',    '{client}',                                              'Their client''s sites.'),
    ( 17, 'public.sites',                       'insert', 'org',       '{owner,admin,dispatcher}',                              NULL),
    ( 18, 'public.sites',                       'update', 'org',       '{owner,admin,dispatcher}',                              NULL),
    ( 19, 'public.sites',                       'delete', 'org',       '{owner,admin}',                                         NULL),
    ( 20, 'public.maintenance_contracts',       'select', 'org',       '{owner,admin,dispatcher,accountant}',                   NULL),
    ( 21, 'public.maintenance_contracts',       'select', 'assigned',  '{technician}',                                          'The contract of a mission assigned (or open) to them (SLA, visit frequency).'),
    ( 22, 'public.maintenance_contracts',       'select', 'client',    '{client}',                                              'Their client''s contracts.'),
    ( 23, 'public.maintenance_contracts',       'insert', 'org',       '{owner,admin}',                                         'Contracts are commercial commitments: owner/admin.'),
    ( 24, 'public.maintenance_contracts',       'update', 'org',       '{owner,admin}',                                         NULL),
    ( 25, 'public.maintenance_contracts',       'delete', 'org',       '{owner,admin}',                                         NULL),
    ( 26, 'public.client_requests',             'select', 'org',       '{owner,admin,dispatcher}',                              NULL),
    ( 27, 'public.client_requests',             'select', 'assigned',  '{technician}',                                          'The request behind a mission assigned (or open) to them.'),
    ( 28, 'public.client_requests',             'select', 'client',    '{client}',                                              'Their client''s requests.'),
    ( 29, 'public.client_requests',             'insert', 'org',       '{owner,admin,dispatcher}',                              'Requests taken on the phone.'),
    ( 30, 'public.client_requests',             'insert', 'client',    '{client}',                                              'For their own client only, with status open; created_by defaults to the signed-in user (not writable).'),
    ( 31, 'public.client_requests',             'update', 'org',       '{owner,admin,dispatcher}',                              'site, subject, description, status (column grants).'),
    ( 32, 'public.client_requests',             'delete', 'org',       '{owner,admin}',                                         NULL),
    ( 33, 'public.emergency_requests',          'select', 'org',       '{owner,admin,dispatcher}',                              NULL),
    ( 34, 'public.emergency_requests',          'select', 'assigned',  '{technician}',                                          'The emergency behind a mission assigned (or open) to them.'),
    ( 35, 'public.emergency_requests',          'select', 'client',    '{client}',                                              'Their client''s emergencies.'),
    ( 36, 'public.emergency_requests',          'insert', 'org',       '{owner,admin,dispatcher}',                              'Emergencies taken on the phone; always created pending (status is not writable on insert).'),
    ( 37, 'public.emergency_requests',          'insert', 'client',    '{client}',                                              'For their own client only, from the portal (source portal); created pending, created_by = the signed-in user.'),
    ( 38, 'public.emergency_requests',          'update', 'org',       '{owner,admin,dispatcher}',                              'site, severity, description, status (forward only, enforced by trigger); acknowledged_by is set by the trigger.'),
    ( 39, 'public.emergency_requests',          'delete', 'org',       '{owner,admin}',                                         NULL),
    ( 40, 'public.missions',                    'select', 'org',       '{owner,admin,dispatcher,accountant}',                   'Accountants read missions to invoice them.'),
    ( 41, 'public.missions',                    'select', 'assigned',  '{technician}',                                          'Missions assigned to them, plus published missions with no technician yet (the pool they accept from). Status moves only through transition_mission / bulk_transition_missions (no direct update).'),
    ( 42, 'public.missions',                    'select', 'client',    '{client}',                                              'Their client''s missions (status and schedule).'),
    ( 43, 'public.missions',                    'insert', 'org',       '{owner,admin,dispatcher}',                              'Created new (trigger); status moves only through transition_mission.'),
    ( 44, 'public.missions',                    'update', 'org',       '{owner,admin,dispatcher}',                              'Planning columns only (column grants: schedule, site, description, priority, technician, links); status and lifecycle timestamps only through transition_mission. No delete: cancel instead.'),
    ( 45, 'public.mission_status_history',      'select', 'org',       '{owner,admin,dispatcher}',                              'Written only by the mission trigger (who, from, to, when, why).'),
    ( 46, 'public.mission_status_history',      'select', 'assigned',  '{technician}',                                          'History of the missions assigned (or open) to them.'),
    ( 47, 'public.mission_valid_transitions',   'select', 'reference', '{owner,admin,dispatcher,technician,accountant,client}', 'The mission status graph (global reference data): apps read which moves exist.'),
    ( 48, 'public.mission_notes',               'select', 'org',       '{owner,admin,dispatcher}',                              'Notes are added only through add_mission_note (idempotent; owner, admin, dispatcher, the mission''s technician) and never edited.'),
    ( 49, 'public.mission_notes',               'select', 'assigned',  '{technician}',                                          'Notes of the missions assigned (or open) to them; they add notes with add_mission_note.'),
    ( 50, 'public.timesheets',                  'select', 'org',       '{owner,admin,dispatcher}',                              'Approval through bulk_approve_timesheets; approved rows are changed only with override_timesheet_lock (owner/admin, audited).'),
    ( 51, 'public.timesheets',                  'select', 'org',       '{accountant}',                                          'Approved rows only (approved_at is not null): invoicing bills approved hours; hours awaiting approval are HR data.'),
    ( 52, 'public.timesheets',                  'select', 'own',       '{technician}',                                          'Their own hours; they log hours only through log_hours (idempotent).'),
    ( 53, 'public.timesheets',                  'update', 'org',       '{owner,admin,dispatcher}',                              'Correcting hours before approval (hours, work_date, note, mission_id; column grants); the lock trigger refuses approved or invoiced rows.'),
    ( 54, 'public.timesheets',                  'delete', 'org',       '{owner,admin,dispatcher}',                              'Unapproved rows only (lock trigger).'),
    ( 55, 'public.lock_overrides',              'select', 'org',       '{owner,admin}',                                         'Audit of lock overrides; written only by override_timesheet_lock, append-only.'),
    ( 56, 'public.stock_items',                 'select', 'org',       '{owner,admin,dispatcher,technician,accountant}',        'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).'),
    ( 57, 'public.stock_items',                 'insert', 'org',       '{owner,admin}',                                         'Created with on_hand 0; stock comes from movements.'),
    ( 58, 'public.stock_items',                 'update', 'org',       '{owner,admin}',                                         'Catalogue columns only (column grants); on_hand moves only with stock movements.'),
    ( 59, 'public.stock_items',                 'delete', 'org',       '{owner,admin}',                                         'Refused by foreign keys once the item has movements.'),
    ( 60, 'public.stock_movements',             'select', 'org',       '{owner,admin,dispatcher,accountant}',                   'Append-only ledger.'),
    ( 61, 'public.stock_movements',             'select', 'assigned',  '{technician}',                                          'Movements of the missions assigned to them; parts used are recorded only through record_stock_use.'),
    ( 62, 'public.stock_movements',             'insert', 'org',       '{owner,admin}',                                         'Deliveries (in) and inventory adjustments; no update or delete ever (append-only trigger).'),
    ( 63, 'public.stock_low',                   'select', 'org',       '{owner,admin,dispatcher,technician,accountant}',        'View (security_invoker) over stock_items: the rows of stock_items the user may read.'),
    ( 64, 'public.stock_negative',              'select', 'org',       '{owner,admin,dispatcher,technician,accountant}',        'View (security_invoker) over stock_items; always empty (invariant 6).'),
    ( 65, 'public.quotes',                      'select', 'org',       '{owner,admin,dispatcher,accountant}',                   NULL),
    ( 66, 'public.quotes',                      'select', 'client',    '{client}',                                              'Their client''s quotes once sent (never drafts).'),
    ( 67, 'public.quotes',                      'insert', 'org',       '{owner,admin,dispatcher,accountant}',                   'Created as drafts; numbered only by send_quote.'),
    ( 68, 'public.quotes',                      'update', 'org',       '{owner,admin,dispatcher,accountant}',                   'Drafts, and the decision on a sent quote (accepted, rejected, expired); sent content is frozen by trigger.'),
    ( 69, 'public.quotes',                      'delete', 'org',       '{owner,admin,dispatcher,accountant}',                   'Drafts only (trigger).'),
    ( 70, 'public.quote_lines',                 'select', 'org',       '{owner,admin,dispatcher,accountant}',                   NULL),
    ( 71, 'public.quote_lines',                 'select', 'client',    '{client}',                                              'Lines of their client''s sent quotes.'),
    ( 72, 'public.quote_lines',                 'insert', 'org',       '{owner,admin,dispatcher,accountant}',                   'Lines of drafts only (trigger).'),
    ( 73, 'public.quote_lines',                 'update', 'org',       '{owner,admin,dispatcher,accountant}',                   'Lines of drafts only (trigger).'),
    ( 74, 'public.quote_lines',                 'delete', 'org',       '{owner,admin,dispatcher,accountant}',                   'Lines of drafts only (trigger).'),
    ( 75, 'public.invoices',                    'select', 'org',       '{owner,admin,accountant}',                              'Money: not for dispatchers or technicians.'),
    ( 76, 'public.invoices',                    'select', 'client',    '{client}',                                              'Their client''s invoices and credit notes once issued (never drafts).'),
    ( 77, 'public.invoices',                    'insert', 'org',       '{owner,admin,accountant}',                              'Drafts only; numbers come from issue_invoice.'),
    ( 78, 'public.invoices',                    'update', 'org',       '{owner,admin,accountant}',                              'Draft columns only (column grants); status, number, hash chain and PDF hash only through issue_invoice, mark_invoice_sent and reconcile_payments; issued invoices are locked by trigger.'),
    ( 79, 'public.invoices',                    'delete', 'org',       '{owner,admin,accountant}',                              'Drafts only (trigger).'),
    ( 80, 'public.invoice_lines',               'select', 'org',       '{owner,admin,accountant}',                              NULL),
    ( 81, 'public.invoice_lines',               'select', 'client',    '{client}',                                              'Lines of their client''s issued invoices and credit notes.'),
    ( 82, 'public.invoice_lines',               'insert', 'org',       '{owner,admin,accountant}',                              'Lines of drafts only (trigger).'),
    ( 83, 'public.invoice_lines',               'update', 'org',       '{owner,admin,accountant}',                              'Lines of drafts only (trigger).'),
    ( 84, 'public.invoice_lines',               'delete', 'org',       '{owner,admin,accountant}',                              'Lines of drafts only (trigger).'),
    ( 85, 'public.payments',                    'select', 'org',       '{owner,admin,accountant}',                              'Not for client users: the invoice status tells them what is paid; bank labels are internal.'),
    ( 86, 'public.payments',                    'insert', 'org',       '{owner,admin,accountant}',                              'Against issued invoices, or unmatched imports (trigger).'),
    ( 87, 'public.payments',                    'update', 'org',       '{owner,admin,accountant}',                              'Matching an unmatched payment to an invoice (invoice_id only, once; trigger). Invoice status moves only through reconcile_payments.'),
    ( 88, 'public.payments',                    'delete', 'org',       '{owner,admin,accountant}',                              'Unmatched payments only (a wrong import; trigger).'),
    ( 89, 'public.notifications',               'select', 'own',       '{owner}',                                               'Own notifications only (user_id = auth.uid()).'),
    ( 90, 'public.notifications',               'update', 'own',       '{owner}',                                               'Mark own notifications read: column grant on read_at only.'),
    ( 91, 'public.notifications',               'select', 'own',       '{admin}',                                               'Own notifications only (user_id = auth.uid()).'),
    ( 92, 'public.notifications',               'update', 'own',       '{admin}',                                               'Mark own notifications read: column grant on read_at only.'),
    ( 93, 'public.notifications',               'select', 'own',       '{dispatcher}',                                          'Own notifications only (user_id = auth.uid()).'),
    ( 94, 'public.notifications',               'update', 'own',       '{dispatcher}',                                          'Mark own notifications read: column grant on read_at only.'),
    ( 95, 'public.notifications',               'select', 'own',       '{technician}',                                          'Own notifications only (user_id = auth.uid()).'),
    ( 96, 'public.notifications',               'update', 'own',       '{technician}',                                          'Mark own notifications read: column grant on read_at only.'),
    ( 97, 'public.notifications',               'select', 'own',       '{accountant}',                                          'Own notifications only (user_id = auth.uid()).'),
    ( 98, 'public.notifications',               'update', 'own',       '{accountant}',                                          'Mark own notifications read: column grant on read_at only.'),
    ( 99, 'public.notifications',               'select', 'own',       '{client}',                                              'Own notifications only (user_id = auth.uid()).'),
    (100, 'public.notifications',               'update', 'own',       '{client}',                                              'Mark own notifications read: column grant on read_at only.'),
    (101, 'public.api_keys',                    'select', 'org',       '{owner,admin}',                                         'Metadata of the organization''s keys; never secret_hash (column grant). Writes through create/rotate/revoke_api_key.'),
    (102, 'public.app_events',                  'select', 'org',       '{owner,admin,dispatcher}',                              'Business event log of the organization; written only by triggers, private.log_app_event and the service role.'),
    (103, 'public.alert_config',                'select', 'org',       '{owner,admin}',                                         NULL),
    (104, 'public.alert_config',                'select', 'org',       '{dispatcher,accountant}',                               'Read only: the alerts they receive.'),
    (105, 'public.alert_config',                'update', 'org',       '{owner,admin}',                                         'Thresholds, severity, recipients, repeat and escalation (column grants; never org or type). Rows are seeded, never inserted or deleted.'),
    (106, 'public.alert_emergencies_pending',   'select', 'org',       '{owner,admin,dispatcher}',                              'View (security_invoker) over alert_config and emergency_requests.'),
    (107, 'public.alert_invoices_overdue',      'select', 'org',       '{owner,admin,accountant}',                              'View (security_invoker) over alert_config and invoices (money: not for dispatchers).'),
    (108, 'public.alert_stock_critical',        'select', 'org',       '{owner,admin,dispatcher,accountant}',                   'View (security_invoker) over alert_config and stock_items.'),
    (109, 'public.alert_missions_blocked',      'select', 'org',       '{owner,admin,dispatcher,accountant}',                   'View (security_invoker) over alert_config and missions.'),
    (110, 'public.alert_timesheets_unapproved', 'select', 'org',       '{owner,admin,dispatcher}',                              'View (security_invoker) over alert_config, timesheets and memberships (accountants read approved hours only).'),
    (111, 'public.alerts',                      'select', 'org',       '{owner,admin,dispatcher}',                              'Alerts of the organization. Acknowledge / silence through acknowledge_alert and silence_alert (also open to the roles the alert notifies).'),
    (112, 'public.notification_preferences',    'select', 'own',       '{owner,admin,dispatcher,technician,accountant,client}', 'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.'),
    (113, 'public.rules',                       'select', 'org',       '{owner,admin,dispatcher}',                              'Rules on external events: dispatch sees why an emergency was created.'),
    (114, 'public.rules',                       'update', 'org',       '{owner,admin}',                                         'Edit or disable rules (column grants; never org_id). Rules are created with public.create_rule (owner, admin), not by INSERT.'),
    (115, 'public.rules',                       'delete', 'org',       '{owner,admin}',                                         'Delete rules (their firing history goes with them).'),
    (116, 'public.events',                      'select', 'org',       '{owner,admin,dispatcher}',                              'External events received with the organization''s API keys; written only by ingest_event (service role).'),
    (117, 'public.rule_firings',                'select', 'org',       '{owner,admin,dispatcher}',                              'Which rule fired (or was suppressed) on which event; written only by ingest_event.'),
    (118, 'public.memberships',                 'update', 'org',       '{admin,owner}',                                         'role, client_id, on_call (column grants). Only an owner grants or removes the owner role; an organization keeps at least one owner; a technician with open missions keeps the role. Needs a live session. New members are invited through service_role (auth user + membership).'),
    (119, 'public.memberships',                 'delete', 'org',       '{admin,owner}',                                         'Ends a membership. Only an owner removes an owner, never the last one; refused while the member holds open missions, and by foreign keys while missions or timesheets still name the member. Needs a live session.')
) AS m (line, table_name, operation, scope, roles, note)
CROSS JOIN LATERAL pg_catalog.unnest(m.roles::text[]) WITH ORDINALITY AS r (role, position)
ORDER BY m.line, r.position;

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

INSERT INTO private.permission_matrix_closed_tables (table_name, reason) VALUES
    ('public.idempotency_keys', 'Results of idempotent API calls: read and written only by private.idempotency_lookup / idempotency_store inside the API functions. No policy and no grant for any API role, service_role included.'),
    ('public.notification_templates', 'Reference texts rendered server-side by private.create_notification; no API role reads or writes them (migrations do).'),
    ('public.push_subscriptions', 'Device keys (p256dh, auth) of a user: no org_id (a device belongs to a user, not an organization), so written only through register_push_subscription / delete_push_subscription (own rows) and read by the push sender through a definer function.'),
    ('public.unsubscribe_tokens', 'Hashes of unsubscribe tokens: issued by private.issue_unsubscribe_token, checked by public.unsubscribe only.');

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

