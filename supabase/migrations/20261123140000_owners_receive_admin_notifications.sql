-- Owners receive what is sent to admins.
--
-- Owner and admin are equivalent for data access (permission matrix), and a
-- small company often has an owner and no admin: the demo organizations do.
-- Until now notify_roles matched roles literally, so alerts configured for
-- {admin} (timesheet_unapproved, invoice_overdue_*, stock_critical, …)
-- reached nobody there. Recipients are now every member whose role is listed,
-- plus owners whenever admin is listed. Nothing else changes: same channels,
-- same dedupe keys (<key>:<user>:<channel>), preferences still honoured by
-- create_notification_row.
create or replace function private.notify_roles_with_params(
  p_org          uuid,
  p_roles        public.member_role[],
  p_type         text,
  p_entity_table text,
  p_entity_id    uuid,
  p_dedupe_key   text,
  p_params       jsonb
)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer := 0;
  r       record;
begin
  if p_org is null or p_roles is null or p_type is null then
    raise exception 'notify_roles_with_params needs an organization, roles and a type' using errcode = '22004';
  end if;
  for r in
    select m.user_id, c.channel
    from public.memberships m
    cross join (values ('email'), ('in_app'), ('push')) as c (channel)
    where m.org_id = p_org
      and (m.role = any (p_roles) or (m.role = 'owner' and 'admin' = any (p_roles)))
      and (c.channel <> 'push' or exists (select from public.push_subscriptions s where s.user_id = m.user_id))
    order by m.user_id, c.channel
  loop
    if (private.create_notification_row(
          p_org, r.user_id, r.channel, p_type, p_entity_table, p_entity_id,
          case when p_dedupe_key is not null then p_dedupe_key || ':' || r.user_id::text || ':' || r.channel end,
          coalesce(p_params, '{}'::jsonb))).created then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end;
$$;
comment on function private.notify_roles_with_params(uuid, public.member_role[], text, text, uuid, text, jsonb) is
  'Notifies every member holding one of the roles (owners included whenever admin is listed) through create_notification '
  'with template params: in_app, email, push (users with a push subscription), deduplicated on <dedupe key>:<user>:<channel>, '
  'preferences honoured. Returns rows written.';
