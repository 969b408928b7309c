-- =============================================================================
-- The client portal's view of missions: what a client may know of the work
-- done for them, and nothing of the office's internals.
--
-- A portal user reads public.missions through RLS (their client's rows), but
-- the row carries what is the office's business (who created it, the reason
-- it is blocked, the links to contracts) and a technician id the portal user
-- may not resolve: profiles are readable by staff only. What a client is told
-- of the technician is what the intervention report tells them, at most the
-- first name. This function answers exactly that, one row per mission, for
-- the clients the caller is a portal user of; staff get no rows (the office
-- screens read the table itself).
-- =============================================================================

create function public.portal_missions(p_mission_id uuid default null, p_limit integer default 100)
returns table (
  id uuid,
  title text,
  status public.mission_status,
  priority public.mission_priority,
  scheduled_start timestamptz,
  scheduled_end timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  site_id uuid,
  site_name text,
  technician_first_name text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_limit integer := coalesce(p_limit, 100);
begin
  if v_limit < 1 or v_limit > 500 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('p_limit must be between 1 and 500 (got %s)', v_limit));
  end if;
  -- Definer to read the technician's profile; the rows are limited here to
  -- the caller's own client memberships, as the missions_select policy does.
  -- One mission is found by its key; a list takes the newest missions per
  -- membership first (missions_client_recent_idx reads p_limit rows, not the
  -- client's whole history). Each branch is gated by p_mission_id, so one
  -- generic plan serves both. The site and the profile are joined for the
  -- picked rows only.
  return query
  with mine as (
    select ms.org_id, ms.client_id from public.memberships ms where ms.user_id = auth.uid() and ms.role = 'client'
  ), picked as (
    select mm.*
    from mine join public.missions mm on mm.org_id = mine.org_id and mm.client_id = mine.client_id
    where mm.id = p_mission_id
    union all
    select mm.*
    from mine cross join lateral (
      select m1.*
      from public.missions m1
      where m1.org_id = mine.org_id and m1.client_id = mine.client_id
      order by coalesce(m1.scheduled_start, m1.created_at) desc, m1.id desc
      limit v_limit
    ) mm
    where p_mission_id is null
  )
  select m.id, m.title, m.status, m.priority, m.scheduled_start, m.scheduled_end, m.started_at, m.completed_at,
         m.site_id, s.name,
         nullif(pg_catalog.split_part(pg_catalog.btrim(p.full_name), ' ', 1), '')
  from picked m
  join public.sites s on s.id = m.site_id
  left join public.profiles p on p.id = m.technician_id
  order by coalesce(m.scheduled_start, m.created_at) desc, m.id desc
  limit v_limit;
end;
$$;

comment on function public.portal_missions(uuid, integer) is
  'Client portal: the missions of the clients the caller is a portal user of (newest first, p_limit 1..500, or the one '
  'p_mission_id), with the site name and the technician''s first name only. Staff get no rows.';

revoke all on function public.portal_missions(uuid, integer) from public, anon;
grant execute on function public.portal_missions(uuid, integer) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.portal_missions(uuid,integer)',
   'Rows limited to the caller''s own client memberships (auth.uid(), role client); definer to read the technician''s first name, which profiles_select hides from portal users.');


-- A client's missions, newest first: the portal's list reads its first page
-- from here instead of sorting every mission of a large client (a syndic can
-- have tens of thousands).
create index missions_client_recent_idx on public.missions
  (org_id, client_id, (coalesce(scheduled_start, created_at)) desc, id desc);
comment on index public.missions_client_recent_idx is
  'public.portal_missions: a client''s missions newest first, the first page without a sort of the client''s history.';
