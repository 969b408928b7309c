-- =============================================================================
-- The permission matrix as data (issue 4, item 1).
--
-- One row per (table, role, operation) that is ALLOWED through the API, with
-- the scope of rows it reaches; a missing row means the operation is denied.
-- The RLS policies and grants (next migrations, and every later migration
-- that creates an exposed table) implement it; docs/permissions.md is
-- generated from it (scripts/docs/permissions.ts); the pgTAP RLS suite
-- (supabase/tests/5*-rls-*.sql) generates its cases from it and from the
-- catalog, so a table in `public` without matrix rows fails the suite.
--
-- Scopes:
--   org        every row of the user's organization(s) where they hold the role
--   assigned   technician: missions assigned to them or open to them (published,
--              no technician yet), and the rows those missions need
--   own        rows about or authored by the user (own profile, membership, timesheets)
--   client     client-portal user: rows of their own client only
--   reference  shared reference data, the same for everyone signed in
-- Roles are public.member_role plus 'anon' (no session). owner and admin are
-- equivalent for data access. service_role is not in the matrix: it bypasses
-- RLS and is granted every table edge functions need (see the policies migration).
--
-- Writes that a SECURITY DEFINER function is the only legal path for
-- (mission transitions, notes, hours, stock use, quote sending, invoice
-- issuing/sending, approvals, overrides, reconciliation) have no matrix row:
-- the function checks the caller itself. The note says so.
-- =============================================================================

create table private.permission_matrix (
  table_name text not null,
  role       text not null check (role in ('owner', 'admin', 'dispatcher', 'technician', 'accountant', 'client', 'anon')),
  operation  text not null check (operation in ('select', 'insert', 'update', 'delete')),
  scope      text not null check (scope in ('org', 'assigned', 'own', 'client', 'reference')),
  note       text,
  primary key (table_name, role, operation)
);
comment on table private.permission_matrix is
  'Role × table × operation the API allows, with the scope of rows (org, assigned, own, client, reference); '
  'a missing row means denied. Source of docs/permissions.md and of the generated pgTAP RLS suite.';
comment on column private.permission_matrix.table_name is 'Schema-qualified relation name, e.g. public.missions.';

-- Tables deliberately closed to every API role (no policy, no grant, not even
-- service_role): internal bookkeeping written and read only by SECURITY
-- DEFINER functions. Listed so the RLS suite can tell "closed on purpose"
-- from "forgotten" (a table with neither matrix rows nor an entry here fails).
create table private.permission_matrix_closed_tables (
  table_name text primary key,
  reason     text not null check (length(btrim(reason)) > 0)
);
comment on table private.permission_matrix_closed_tables is
  'Exposed-schema tables closed to every API role on purpose (no grant, no policy), with the reason.';

-- Not exposed (PostgREST serves `public` only, and the API roles have no
-- privilege here); RLS on anyway as defence in depth. Migrations (postgres)
-- write it; the docs generator and the tests read it as postgres.
revoke all on private.permission_matrix, private.permission_matrix_closed_tables from public, anon, authenticated, service_role;
alter table private.permission_matrix enable row level security;
alter table private.permission_matrix_closed_tables enable row level security;

-- One line per (table, operation, scope, note), expanded over its roles.
insert into private.permission_matrix (table_name, role, operation, scope, note)
select v.table_name, r.role, v.operation, v.scope, v.note
from (values
  -- ---------------------------------------------------------------- tenancy
  ('public.organizations', array['owner', 'admin', 'dispatcher', 'technician', 'accountant', 'client'], 'select', 'org',
   'Every member reads their organization: the legal identity printed on invoices and shown in the portal.'),
  ('public.organizations', array['owner', 'admin'], 'update', 'org',
   'Legal identity and invoicing settings only (column grants); organizations are created by service_role (onboarding).'),

  ('public.profiles', array['owner', 'admin', 'dispatcher', 'technician', 'accountant'], 'select', 'org',
   'Profiles of the members of their organization (names on missions, notes, timesheets) and their own.'),
  ('public.profiles', array['client'], 'select', 'own',
   'A portal user reads their own profile only: staff contact details are not shown to clients.'),
  ('public.profiles', array['owner', 'admin', 'dispatcher', 'technician', 'accountant', 'client'], 'update', 'own',
   'full_name and phone of their own profile (column grants); profiles are created by the auth trigger.'),

  ('public.memberships', array['owner', 'admin', 'dispatcher'], 'select', 'org',
   'Who is who in the organization (technicians, on-call, portal users) for planning.'),
  ('public.memberships', array['technician', 'accountant', 'client'], 'select', 'own',
   'Their own membership: the app learns its role (and client) from it.'),
  ('public.memberships', array['owner', 'admin'], 'update', 'org',
   'role, client_id, on_call (column grants). New members are invited through service_role (auth user + membership).'),
  ('public.memberships', array['owner', 'admin'], 'delete', 'org',
   'Ends a membership; refused by foreign keys while missions or timesheets still name the member.'),

  -- ---------------------------------------------------- customers and work
  ('public.clients', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', null),
  ('public.clients', array['technician'], 'select', 'assigned', 'Clients of the missions assigned (or open) to them.'),
  ('public.clients', array['client'], 'select', 'client', 'Their own client row.'),
  ('public.clients', array['owner', 'admin', 'dispatcher', 'accountant'], 'insert', 'org',
   'Dispatch takes new customers on the phone; accountants keep billing details.'),
  ('public.clients', array['owner', 'admin', 'dispatcher', 'accountant'], 'update', 'org', null),
  ('public.clients', array['owner', 'admin'], 'delete', 'org', 'Refused by foreign keys once the client has missions or documents.'),

  ('public.sites', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', null),
  ('public.sites', array['technician'], 'select', 'assigned', 'Sites of the missions assigned (or open) to them: address and access notes.'),
  ('public.sites', array['client'], 'select', 'client', 'Their client''s sites.'),
  ('public.sites', array['owner', 'admin', 'dispatcher'], 'insert', 'org', null),
  ('public.sites', array['owner', 'admin', 'dispatcher'], 'update', 'org', null),
  ('public.sites', array['owner', 'admin'], 'delete', 'org', null),

  ('public.maintenance_contracts', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', null),
  ('public.maintenance_contracts', array['technician'], 'select', 'assigned', 'The contract of a mission assigned (or open) to them (SLA, visit frequency).'),
  ('public.maintenance_contracts', array['client'], 'select', 'client', 'Their client''s contracts.'),
  ('public.maintenance_contracts', array['owner', 'admin'], 'insert', 'org', 'Contracts are commercial commitments: owner/admin.'),
  ('public.maintenance_contracts', array['owner', 'admin'], 'update', 'org', null),
  ('public.maintenance_contracts', array['owner', 'admin'], 'delete', 'org', null),

  ('public.client_requests', array['owner', 'admin', 'dispatcher'], 'select', 'org', null),
  ('public.client_requests', array['technician'], 'select', 'assigned', 'The request behind a mission assigned (or open) to them.'),
  ('public.client_requests', array['client'], 'select', 'client', 'Their client''s requests.'),
  ('public.client_requests', array['owner', 'admin', 'dispatcher'], 'insert', 'org', 'Requests taken on the phone.'),
  ('public.client_requests', array['client'], 'insert', 'client',
   'For their own client only, with status open; created_by defaults to the signed-in user (not writable).'),
  ('public.client_requests', array['owner', 'admin', 'dispatcher'], 'update', 'org', 'site, subject, description, status (column grants).'),
  ('public.client_requests', array['owner', 'admin'], 'delete', 'org', null),

  ('public.emergency_requests', array['owner', 'admin', 'dispatcher'], 'select', 'org', null),
  ('public.emergency_requests', array['technician'], 'select', 'assigned', 'The emergency behind a mission assigned (or open) to them.'),
  ('public.emergency_requests', array['client'], 'select', 'client', 'Their client''s emergencies.'),
  ('public.emergency_requests', array['owner', 'admin', 'dispatcher'], 'insert', 'org',
   'Emergencies taken on the phone; always created pending (status is not writable on insert).'),
  ('public.emergency_requests', array['client'], 'insert', 'client',
   'For their own client only, from the portal (source portal); created pending, created_by = the signed-in user.'),
  ('public.emergency_requests', array['owner', 'admin', 'dispatcher'], 'update', 'org',
   'site, severity, description, status (forward only, enforced by trigger); acknowledged_by is set by the trigger.'),
  ('public.emergency_requests', array['owner', 'admin'], 'delete', 'org', null),

  ('public.missions', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', 'Accountants read missions to invoice them.'),
  ('public.missions', array['technician'], 'select', 'assigned',
   'Missions assigned to them, plus published missions with no technician yet (the pool they accept from). '
   'Status moves only through transition_mission / bulk_transition_missions (no direct update).'),
  ('public.missions', array['client'], 'select', 'client', 'Their client''s missions (status and schedule).'),
  ('public.missions', array['owner', 'admin', 'dispatcher'], 'insert', 'org', 'Created new (trigger); status moves only through transition_mission.'),
  ('public.missions', array['owner', 'admin', 'dispatcher'], 'update', 'org',
   'Planning columns only (column grants: schedule, site, description, priority, technician, links); '
   'status and lifecycle timestamps only through transition_mission. No delete: cancel instead.'),

  ('public.mission_status_history', array['owner', 'admin', 'dispatcher'], 'select', 'org',
   'Written only by the mission trigger (who, from, to, when, why).'),
  ('public.mission_status_history', array['technician'], 'select', 'assigned', 'History of the missions assigned (or open) to them.'),

  ('public.mission_valid_transitions', array['owner', 'admin', 'dispatcher', 'technician', 'accountant', 'client'], 'select', 'reference',
   'The mission status graph (global reference data): apps read which moves exist.'),

  ('public.mission_notes', array['owner', 'admin', 'dispatcher'], 'select', 'org',
   'Notes are added only through add_mission_note (idempotent; owner, admin, dispatcher, the mission''s technician) and never edited.'),
  ('public.mission_notes', array['technician'], 'select', 'assigned', 'Notes of the missions assigned (or open) to them; they add notes with add_mission_note.'),

  -- --------------------------------------------------- timesheets and stock
  ('public.timesheets', array['owner', 'admin', 'dispatcher'], 'select', 'org',
   'Approval through bulk_approve_timesheets; approved rows are changed only with override_timesheet_lock (owner/admin, audited).'),
  ('public.timesheets', array['accountant'], 'select', 'org',
   'Approved rows only (approved_at is not null): invoicing bills approved hours; hours awaiting approval are HR data.'),
  ('public.timesheets', array['technician'], 'select', 'own', 'Their own hours; they log hours only through log_hours (idempotent).'),
  ('public.timesheets', array['owner', 'admin', 'dispatcher'], 'update', 'org',
   'Correcting hours before approval (hours, work_date, note, mission_id; column grants); the lock trigger refuses approved or invoiced rows.'),
  ('public.timesheets', array['owner', 'admin', 'dispatcher'], 'delete', 'org', 'Unapproved rows only (lock trigger).'),

  ('public.lock_overrides', array['owner', 'admin'], 'select', 'org',
   'Audit of lock overrides; written only by override_timesheet_lock, append-only.'),

  ('public.stock_items', array['owner', 'admin', 'dispatcher', 'technician', 'accountant'], 'select', 'org',
   'The parts catalogue (technicians pick parts from it; prices are visible to every staff role).'),
  ('public.stock_items', array['owner', 'admin'], 'insert', 'org', 'Created with on_hand 0; stock comes from movements.'),
  ('public.stock_items', array['owner', 'admin'], 'update', 'org', 'Catalogue columns only (column grants); on_hand moves only with stock movements.'),
  ('public.stock_items', array['owner', 'admin'], 'delete', 'org', 'Refused by foreign keys once the item has movements.'),

  ('public.stock_movements', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', 'Append-only ledger.'),
  ('public.stock_movements', array['technician'], 'select', 'assigned',
   'Movements of the missions assigned to them; parts used are recorded only through record_stock_use.'),
  ('public.stock_movements', array['owner', 'admin'], 'insert', 'org',
   'Deliveries (in) and inventory adjustments; no update or delete ever (append-only trigger).'),

  ('public.stock_low', array['owner', 'admin', 'dispatcher', 'technician', 'accountant'], 'select', 'org',
   'View (security_invoker) over stock_items: the rows of stock_items the user may read.'),
  ('public.stock_negative', array['owner', 'admin', 'dispatcher', 'technician', 'accountant'], 'select', 'org',
   'View (security_invoker) over stock_items; always empty (invariant 6).'),

  -- -------------------------------------------------------------- invoicing
  ('public.quotes', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', null),
  ('public.quotes', array['client'], 'select', 'client', 'Their client''s quotes once sent (never drafts).'),
  ('public.quotes', array['owner', 'admin', 'dispatcher', 'accountant'], 'insert', 'org', 'Created as drafts; numbered only by send_quote.'),
  ('public.quotes', array['owner', 'admin', 'dispatcher', 'accountant'], 'update', 'org',
   'Drafts, and the decision on a sent quote (accepted, rejected, expired); sent content is frozen by trigger.'),
  ('public.quotes', array['owner', 'admin', 'dispatcher', 'accountant'], 'delete', 'org', 'Drafts only (trigger).'),

  ('public.quote_lines', array['owner', 'admin', 'dispatcher', 'accountant'], 'select', 'org', null),
  ('public.quote_lines', array['client'], 'select', 'client', 'Lines of their client''s sent quotes.'),
  ('public.quote_lines', array['owner', 'admin', 'dispatcher', 'accountant'], 'insert', 'org', 'Lines of drafts only (trigger).'),
  ('public.quote_lines', array['owner', 'admin', 'dispatcher', 'accountant'], 'update', 'org', 'Lines of drafts only (trigger).'),
  ('public.quote_lines', array['owner', 'admin', 'dispatcher', 'accountant'], 'delete', 'org', 'Lines of drafts only (trigger).'),

  ('public.invoices', array['owner', 'admin', 'accountant'], 'select', 'org', 'Money: not for dispatchers or technicians.'),
  ('public.invoices', array['client'], 'select', 'client', 'Their client''s invoices and credit notes once issued (never drafts).'),
  ('public.invoices', array['owner', 'admin', 'accountant'], 'insert', 'org', 'Drafts only; numbers come from issue_invoice.'),
  ('public.invoices', array['owner', 'admin', 'accountant'], 'update', 'org',
   'Draft columns only (column grants); status, number, hash chain and PDF hash only through issue_invoice, '
   'mark_invoice_sent and reconcile_payments; issued invoices are locked by trigger.'),
  ('public.invoices', array['owner', 'admin', 'accountant'], 'delete', 'org', 'Drafts only (trigger).'),

  ('public.invoice_lines', array['owner', 'admin', 'accountant'], 'select', 'org', null),
  ('public.invoice_lines', array['client'], 'select', 'client', 'Lines of their client''s issued invoices and credit notes.'),
  ('public.invoice_lines', array['owner', 'admin', 'accountant'], 'insert', 'org', 'Lines of drafts only (trigger).'),
  ('public.invoice_lines', array['owner', 'admin', 'accountant'], 'update', 'org', 'Lines of drafts only (trigger).'),
  ('public.invoice_lines', array['owner', 'admin', 'accountant'], 'delete', 'org', 'Lines of drafts only (trigger).'),

  ('public.payments', array['owner', 'admin', 'accountant'], 'select', 'org',
   'Not for client users: the invoice status tells them what is paid; bank labels are internal.'),
  ('public.payments', array['owner', 'admin', 'accountant'], 'insert', 'org', 'Against issued invoices, or unmatched imports (trigger).'),
  ('public.payments', array['owner', 'admin', 'accountant'], 'update', 'org',
   'Matching an unmatched payment to an invoice (invoice_id only, once; trigger). Invoice status moves only through reconcile_payments.'),
  ('public.payments', array['owner', 'admin', 'accountant'], 'delete', 'org', 'Unmatched payments only (a wrong import; trigger).')
) as v (table_name, roles, operation, scope, note)
cross join lateral unnest(v.roles) as r (role);

insert into private.permission_matrix_closed_tables (table_name, reason) values
  ('public.idempotency_keys',
   'Results of idempotent API calls: read and written only by private.idempotency_lookup / idempotency_store '
   'inside the API functions. No policy and no grant for any API role, service_role included.');
