-- =============================================================================
-- Helpers for the row-level security policies (issue 4, item 3).
--
-- All STABLE SECURITY DEFINER with an empty search_path: they read
-- memberships and missions as their owner (no recursion through those
-- tables' own policies) and policies call them wrapped in a sub-select, so
-- Postgres evaluates each once per statement (an InitPlan or a hashed
-- SubPlan), never once per row.
--
-- Two shapes, chosen by measurement (100,000 missions over 100 organizations,
-- a technician listing missions with no filter):
--   * small sets (the user's organizations, their portal client) are returned
--     as uuid[] and used as `col = any ((select private.fn())::uuid[])`. That
--     is an index condition: every branch of a policy stays indexable and the
--     planner combines them with a BitmapOr (0.7 ms instead of 36 ms for a seq
--     scan). The arrays hold a handful of ids, so the per-row cost is nil.
--   * sets that can grow (every mission a technician ever had) are returned
--     as a set and used as `col in (select … from private.fn())`: a hashed
--     SubPlan, O(1) per row. As `= any(array)` they cost O(array) per row
--     when the planner scans (800 ms for 1,000 missions × 100,000 notes).
--     Those branches also carry `org_id = any(<the user's technician
--     organizations>)` so the org_id-leading indexes still apply.
-- =============================================================================

-- Organizations where the current user holds one of the roles.
create function private.my_org_ids_as(p_roles public.member_role[])
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(m.org_id), '{}')
  from public.memberships m
  where m.user_id = auth.uid() and m.role = any (p_roles)
$$;
comment on function private.my_org_ids_as(public.member_role[]) is
  'RLS: organizations where the current user holds one of the roles, as an array (use as org_id = any ((select …)::uuid[])).';

-- Clients the current user is a portal user of (one per organization at most).
create function private.my_client_ids()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(m.client_id), '{}')
  from public.memberships m
  where m.user_id = auth.uid() and m.role = 'client' and m.client_id is not null
$$;
comment on function private.my_client_ids() is 'RLS: the clients the current user is a portal user of, as an array.';

-- Members of every organization where the current user is staff (not a
-- portal user): whose names they may read.
create function private.my_colleague_ids()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(distinct o.user_id), '{}')
  from public.memberships me
  join public.memberships o on o.org_id = me.org_id
  where me.user_id = auth.uid() and me.role <> 'client'
$$;
comment on function private.my_colleague_ids() is
  'RLS: user ids of the members of the organizations where the current user holds a staff role.';

-- The technician scope ("assigned"): missions assigned to the current user in
-- an organization where they are a technician, plus that organization's
-- published missions nobody holds yet (the pool a technician accepts from).
-- private.assigned_missions() is the one definition; the missions policy
-- writes the same condition inline (so its branches stay index conditions):
-- keep the two identical. The *_ids() wrappers return one column each, for
-- the policies of the rows those missions need (clients, sites, contracts,
-- requests, emergencies, notes, history, stock movements), called as
-- `col in (select private.my_assigned_…_ids())`.
create function private.assigned_missions()
returns setof public.missions
language sql
stable
security definer
set search_path = ''
as $$
  select m.*
  from public.missions m
  where m.org_id = any (private.my_org_ids_as('{technician}'))
    and (m.technician_id = auth.uid() or (m.status = 'published' and m.technician_id is null))
$$;
comment on function private.assigned_missions() is
  'RLS (technician scope "assigned"): missions assigned to the current technician or open to them (published, no technician). '
  'Not granted to the API roles: the my_assigned_*_ids() helpers expose one column each.';

create function private.my_assigned_mission_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select a.id from private.assigned_missions() a $$;
create function private.my_assigned_client_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select distinct a.client_id from private.assigned_missions() a $$;
create function private.my_assigned_site_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select distinct a.site_id from private.assigned_missions() a $$;
create function private.my_assigned_contract_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select distinct a.contract_id from private.assigned_missions() a where a.contract_id is not null $$;
create function private.my_assigned_client_request_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select distinct a.client_request_id from private.assigned_missions() a where a.client_request_id is not null $$;
create function private.my_assigned_emergency_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $$ select distinct a.emergency_request_id from private.assigned_missions() a where a.emergency_request_id is not null $$;
comment on function private.my_assigned_mission_ids() is 'RLS (technician scope): ids of the missions assigned or open to the current technician.';
comment on function private.my_assigned_client_ids() is 'RLS (technician scope): clients of the missions assigned or open to the current technician.';
comment on function private.my_assigned_site_ids() is 'RLS (technician scope): sites of the missions assigned or open to the current technician.';
comment on function private.my_assigned_contract_ids() is 'RLS (technician scope): contracts of the missions assigned or open to the current technician.';
comment on function private.my_assigned_client_request_ids() is 'RLS (technician scope): client requests behind the missions assigned or open to the current technician.';
comment on function private.my_assigned_emergency_ids() is 'RLS (technician scope): emergencies behind the missions assigned or open to the current technician.';

-- Documents a portal user may read: their client's quotes once sent and
-- invoices / credit notes once issued (never drafts). For the lines' policies.
create function private.my_client_quote_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select q.id
  from public.quotes q
  where q.org_id = any (private.my_org_ids_as('{client}'))
    and q.client_id = any (private.my_client_ids())
    and q.status <> 'draft'
$$;
comment on function private.my_client_quote_ids() is 'RLS (client scope): ids of the sent (non-draft) quotes of the current portal user''s client.';

create function private.my_client_invoice_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select i.id
  from public.invoices i
  where i.org_id = any (private.my_org_ids_as('{client}'))
    and i.client_id = any (private.my_client_ids())
    and i.status <> 'draft'
$$;
comment on function private.my_client_invoice_ids() is
  'RLS (client scope): ids of the issued (non-draft) invoices and credit notes of the current portal user''s client.';

-- Policies run as the caller: the API role that evaluates them needs EXECUTE.
-- anon has no table privilege at all, so it never reaches a policy.
revoke all on function private.my_org_ids_as(public.member_role[]), private.my_client_ids(), private.my_colleague_ids(),
  private.assigned_missions(), private.my_assigned_mission_ids(), private.my_assigned_client_ids(), private.my_assigned_site_ids(),
  private.my_assigned_contract_ids(), private.my_assigned_client_request_ids(), private.my_assigned_emergency_ids(),
  private.my_client_quote_ids(), private.my_client_invoice_ids() from public;
grant execute on function private.my_org_ids_as(public.member_role[]), private.my_client_ids(), private.my_colleague_ids(),
  private.my_assigned_mission_ids(), private.my_assigned_client_ids(), private.my_assigned_site_ids(),
  private.my_assigned_contract_ids(), private.my_assigned_client_request_ids(), private.my_assigned_emergency_ids(),
  private.my_client_quote_ids(), private.my_client_invoice_ids() to authenticated;
