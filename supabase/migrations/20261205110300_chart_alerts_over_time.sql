-- Chart data for the back office (README.md "Chart data"): alerts fired and
-- resolved per day and severity.
--
-- The chart functions are SECURITY INVOKER: the caller's row-level policies
-- apply to every row they read. On top of that they check the caller's role
-- first, with the catalogue's answers (not_found for a non-member,
-- forbidden_role for a role the data is not for), because a role that RLS
-- shows nothing to would otherwise get a chart of zeros that looks like
-- real data. private.authorize_invoicing is that check (it only reads the
-- caller's own memberships and raises or returns); invoker functions need to
-- be able to call it.
grant execute on function private.authorize_invoicing(uuid, public.member_role[], text, text) to authenticated, service_role;

-- The period of a chart: both dates, in order, and for a daily series at most
-- p_max_days days (a longer one is not readable as a chart); null p_max_days:
-- no length limit here (monthly series check their own).
create function private.assert_chart_period(p_from date, p_to date, p_max_days integer) returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_from is null or p_to is null then
    perform private.raise_api_error('missing_parameter', 'p_from and p_to are required (dates as YYYY-MM-DD)');
  end if;
  if p_to < p_from then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('The period ends (%s) before it starts (%s)', p_to, p_from));
  end if;
  if p_to - p_from >= p_max_days then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('At most %s days per chart (asked: %s)', p_max_days, p_to - p_from + 1));
  end if;
end;
$$;
comment on function private.assert_chart_period(date, date, integer) is
  'Chart RPCs: raises missing_parameter without both dates, invalid_parameter for a period ending before it starts or longer than p_max_days days.';
revoke all on function private.assert_chart_period(date, date, integer) from public;
grant execute on function private.assert_chart_period(date, date, integer) to authenticated, service_role;

-- Day by day in the organization's time zone, one index range per count.
create index alerts_org_first_fired_idx on public.alerts (org_id, first_fired_at);
create index alerts_org_resolved_idx on public.alerts (org_id, resolved_at) where resolved_at is not null;

-- Every day of the period × every severity, zeros included (a chart needs a
-- dense series). A day is a calendar day in the organization's time zone.
-- At most 366 days: a longer daily series is not readable as a chart.
create function public.alerts_over_time(p_org_id uuid, p_from date, p_to date)
returns table (day date, severity text, fired integer, resolved integer)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_zone text;
  v_start timestamptz;
  v_end timestamptz;
begin
  if p_org_id is null then
    perform private.raise_api_error('missing_parameter', 'p_org_id is required');
  end if;
  perform private.authorize_invoicing(p_org_id, array['owner', 'admin', 'dispatcher']::public.member_role[],
                                      'alerts_over_time', pg_catalog.format('Organization %s', p_org_id));
  perform private.assert_chart_period(p_from, p_to, 366);
  select o.timezone into v_zone from public.organizations o where o.id = p_org_id;
  -- The period's bounds: midnight in the organization's time zone.
  v_start := p_from::timestamp at time zone v_zone;
  v_end := (p_to + 1)::timestamp at time zone v_zone;

  return query
  with days as (
    select d::date as day from pg_catalog.generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') as g (d)
  ),
  severities (severity, position) as (
    values ('critical'::text, 1), ('warning', 2), ('info', 3)
  ),
  events as (
    -- One row per event in the period: an alert fired, or resolved, that day.
    select (a.first_fired_at at time zone v_zone)::date as day, a.severity, 1 as fired, 0 as resolved
    from public.alerts a
    where a.org_id = p_org_id and a.first_fired_at >= v_start and a.first_fired_at < v_end
    union all
    select (a.resolved_at at time zone v_zone)::date, a.severity, 0, 1
    from public.alerts a
    where a.org_id = p_org_id and a.resolved_at >= v_start and a.resolved_at < v_end
  )
  select d.day, s.severity, coalesce(sum(e.fired), 0)::integer, coalesce(sum(e.resolved), 0)::integer
  from days d
  cross join severities s
  left join events e on e.day = d.day and e.severity = s.severity
  group by d.day, s.severity, s.position
  order by d.day, s.position;
end;
$$;

comment on function public.alerts_over_time(uuid, date, date) is
  'RPC (owner, admin, dispatcher): per day (organization time zone) and severity, the alerts fired (first_fired_at) and resolved (resolved_at) that day; every day and severity of the period, zeros included; at most 366 days.';

revoke all on function public.alerts_over_time(uuid, date, date) from public;
grant execute on function public.alerts_over_time(uuid, date, date) to authenticated, service_role;
