-- =============================================================================
-- Notifications, first cut (the contract shared by issue 4; issue 5 extends it
-- with templates, preferences, claiming and delivery).
--
-- One row per recipient and channel: an in-app notification is delivered the
-- moment it is written (delivery_status 'sent'); an email (or push) row starts
-- 'pending' and is picked up by a sender (an edge function, issue 5), which
-- moves it to 'sent' or, after retries with backoff, to 'failed'.
--
-- Who sees what:
--   * every member reads their OWN rows (user_id = auth.uid()), whatever their
--     role, and may mark them read: UPDATE is granted on read_at only (a
--     column grant), so nothing else of a row can be changed through the API;
--   * nobody inserts or deletes through the API: rows are written by SECURITY
--     DEFINER functions (private.notify_roles, issue 5's create_notification)
--     and by the service role (delivery workers).
--
-- Deduplication: `dedupe_key` is unique per organization. private.notify_roles
-- derives one key per recipient and channel from the caller's key
-- (`<key>:<user id>:<channel>`), so repeating a notification (a retried job, a
-- cron run that fires twice) never notifies anyone twice.
-- =============================================================================

create table public.notifications (
  id              uuid primary key default gen_random_uuid(),
  org_id          uuid not null references public.organizations (id) on delete cascade,
  user_id         uuid not null,
  channel         text not null,
  -- Machine-readable kind, e.g. 'security.api_key_created', 'alert.emergency_pending'.
  type            text not null,
  title           text not null,
  body            text,
  -- What the notification is about (a link in the app): schema-qualified table and row id.
  entity_table    text,
  entity_id       uuid,
  dedupe_key      text,
  delivery_status text not null default 'pending',
  attempts        integer not null default 0,
  next_attempt_at timestamptz,
  last_error      text,
  sent_at         timestamptz,
  read_at         timestamptz,
  created_at      timestamptz not null default now(),
  -- A recipient is a member of the organization; leaving it removes their notifications of it.
  constraint notifications_recipient_fkey foreign key (org_id, user_id)
    references public.memberships (org_id, user_id) on delete cascade,
  constraint notifications_org_dedupe_key unique (org_id, dedupe_key),
  constraint notifications_channel_check check (channel in ('in_app', 'email', 'push')),
  constraint notifications_delivery_status_check check (delivery_status in ('pending', 'sent', 'failed')),
  constraint notifications_type_format check (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' and length(type) <= 100),
  constraint notifications_title_length check (length(btrim(title)) between 1 and 200),
  constraint notifications_body_length check (body is null or length(body) <= 4000),
  constraint notifications_entity_pair check ((entity_table is null) = (entity_id is null)),
  constraint notifications_entity_table_format check (entity_table is null or entity_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
  constraint notifications_dedupe_key_length check (dedupe_key is null or length(dedupe_key) between 1 and 300),
  constraint notifications_attempts_check check (attempts >= 0),
  -- A sent row says when; an in-app row is sent from the start.
  constraint notifications_sent_has_time check ((delivery_status = 'sent') = (sent_at is not null)),
  constraint notifications_in_app_is_sent check (channel <> 'in_app' or delivery_status = 'sent')
);
comment on table public.notifications is
  'One notification per recipient and channel (in_app rows are sent on creation; email/push rows start pending and are '
  'delivered by a sender). Members read their own rows and may set read_at; rows are written by definer functions and the service role.';
comment on column public.notifications.dedupe_key is
  'Unique per organization. private.notify_roles stores <caller key>:<user id>:<channel>, so a repeated notification is written once.';
comment on column public.notifications.next_attempt_at is 'When a pending row is next due for a delivery attempt (null: now).';

-- The RLS filter (user_id = auth.uid()) and a user's list, newest first. Also
-- serves the cascade from memberships (org_id, user_id): user_id is selective.
create index notifications_user_id_created_at_idx on public.notifications (user_id, created_at desc);
-- The sender's queue: pending rows by channel, oldest due first.
create index notifications_pending_idx on public.notifications (channel, next_attempt_at)
  where delivery_status = 'pending';

alter table public.notifications enable row level security;

-- Own rows only, for every role. `to authenticated`: anon never reaches the policy.
create policy notifications_select_own on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy notifications_update_own on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

-- Explicit grants (nothing is granted by default in this project).
-- authenticated: read own rows (RLS), mark read: UPDATE of read_at only.
grant select on public.notifications to authenticated;
grant update (read_at) on public.notifications to authenticated;
-- service_role (bypasses RLS): delivery workers read, create and update rows.
grant select, insert, update, delete on public.notifications to service_role;

-- The permission matrix (engineer D1's private.permission_matrix): own rows for every member role.
insert into private.permission_matrix (table_name, role, operation, scope, note)
select 'public.notifications', r.role, o.operation, 'own', o.note
from (values ('owner'), ('admin'), ('dispatcher'), ('technician'), ('accountant'), ('client')) as r (role)
cross join (values
  ('select', 'Own notifications only (user_id = auth.uid()).'),
  ('update', 'Mark own notifications read: column grant on read_at only.')
) as o (operation, note);

-- -----------------------------------------------------------------------------
-- private.notify_roles: one in_app row (sent) and one email row (pending) for
-- every member of the organization holding one of the roles. Returns the
-- number of rows written (rows already there by dedupe key are not counted).
-- -----------------------------------------------------------------------------
create function private.notify_roles(
  p_org          uuid,
  p_roles        public.member_role[],
  p_type         text,
  p_title        text,
  p_body         text,
  p_entity_table text,
  p_entity_id    uuid,
  p_dedupe_key   text
)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  if p_org is null or p_roles is null or p_type is null or p_title is null then
    raise exception 'notify_roles needs an organization, roles, a type and a title' using errcode = '22004';
  end if;

  insert into public.notifications (
    org_id, user_id, channel, type, title, body, entity_table, entity_id, dedupe_key,
    delivery_status, sent_at, next_attempt_at
  )
  select p_org, m.user_id, c.channel, p_type, p_title, p_body, p_entity_table, p_entity_id,
         case when p_dedupe_key is not null then p_dedupe_key || ':' || m.user_id::text || ':' || c.channel end,
         case c.channel when 'in_app' then 'sent' else 'pending' end,
         case c.channel when 'in_app' then now() end,
         case c.channel when 'in_app' then null else now() end
  from public.memberships m
  cross join (values ('in_app'), ('email')) as c (channel)
  where m.org_id = p_org
    and m.role = any (p_roles)
  order by m.user_id, c.channel
  on conflict (org_id, dedupe_key) do nothing;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.notify_roles(uuid, public.member_role[], text, text, text, text, uuid, text) is
  'Notifies every member of the organization holding one of the roles: one in_app row (sent) and one email row (pending) each, '
  'deduplicated on <dedupe key>:<user>:<channel>. Returns the number of rows written. Internal: called by definer functions and jobs.';
-- Internal: callable by definer functions (they run as the owner) and by the
-- system (service_role: edge functions, jobs); never by API users directly.
grant execute on function private.notify_roles(uuid, public.member_role[], text, text, text, text, uuid, text) to service_role;
