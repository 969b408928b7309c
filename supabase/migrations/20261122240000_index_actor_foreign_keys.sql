-- Indexes behind the "who did it" foreign keys of the customers/work tables.
--
-- Without them, deleting an auth user (ON DELETE SET NULL) scans each table,
-- and audit queries "what did this person create / acknowledge" do too.
-- Partial: most rows created by the system or a portal have no actor to find.
create index missions_created_by_idx on public.missions (created_by) where created_by is not null;
create index client_requests_created_by_idx on public.client_requests (created_by) where created_by is not null;
create index emergency_requests_created_by_idx on public.emergency_requests (created_by) where created_by is not null;
create index emergency_requests_acknowledged_by_idx on public.emergency_requests (acknowledged_by) where acknowledged_by is not null;
