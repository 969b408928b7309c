-- =============================================================================
-- Notifications, issue 5 (items 5): templates, preferences, delivery queue.
--
-- Builds on 20261123020000_notifications.sql (public.notifications already has
-- attempts, next_attempt_at, last_error, sent_at, read_at, delivery_status and
-- the per-organization unique dedupe_key). This migration adds:
--
--   * profiles.language ('fr' | 'en', default 'fr'): the language a user's
--     notifications are rendered in;
--   * public.notification_templates (type, language): title/body with
--     {{param}} placeholders, filled from a jsonb params object by plain text
--     substitution (never evaluated). DECISION: a placeholder whose param is
--     missing stays visible as `{{name}}` — a notification with a visible gap
--     beats an alert job that fails and notifies nobody — unless the caller
--     gave ready text (params title/body, what notify_roles passes): then
--     that text is used instead of a template it cannot fill. Lookup by the exact
--     type first, then by its last dotted segment ('security.api_key_created'
--     → 'api_key_created'); a type without a template is rendered from the
--     params `title` and `body` (what notify_roles callers pass);
--   * the `critical` flag of a template type: in_app can never be disabled for
--     a critical type, and an unsubscribe link never silences its emails;
--   * public.notification_preferences (org, user, type | '*', channel,
--     enabled): absent = enabled; a row for the exact type wins over '*';
--   * public.push_subscriptions (Web Push endpoints, one per device);
--   * public.unsubscribe_tokens (sha256 of the token, never the token);
--   * private.create_notification (the shared contract) and private.notify_roles
--     re-implemented through it (same signature, same count semantics);
--   * the user RPCs unread_notification_count / mark_notification_read /
--     mark_all_notifications_read, and the sender RPCs (service_role only)
--     claim_pending_notifications / mark_notification_sent / mark_notification_failed.
--
-- Delivery queue and leases: a pending email/push row is due when
-- next_attempt_at <= now(). claim_pending_notifications takes due rows with
-- FOR UPDATE SKIP LOCKED (concurrent senders never get the same row), counts
-- the attempt and pushes next_attempt_at 5 minutes ahead: that is the lease.
-- A sender that crashes simply never reports; its rows become due again when
-- the lease runs out. mark_notification_failed reschedules with exponential
-- backoff (1 min × 2^(attempts-1), capped at 6 h) and, after 5 attempts,
-- fails the row for good and logs an app_event 'notification_failed'.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- profiles.language
-- -----------------------------------------------------------------------------
alter table public.profiles
  add column language text not null default 'fr' constraint profiles_language_check check (language in ('fr', 'en'));
comment on column public.profiles.language is 'Language of the user''s notifications and emails: fr (default) or en.';
-- The user chooses it like their name and phone (column grant, own row by RLS).
grant update (language) on public.profiles to authenticated;

-- -----------------------------------------------------------------------------
-- Templates (reference data, rendered server-side only)
-- -----------------------------------------------------------------------------
create table public.notification_templates (
  type           text not null check (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
  language       text not null check (language in ('fr', 'en')),
  title_template text not null check (length(btrim(title_template)) between 1 and 200),
  body_template  text not null check (length(body_template) <= 4000),
  critical       boolean not null default false,
  primary key (type, language)
);
comment on table public.notification_templates is
  'Title and body of each notification type per language, with {{param}} placeholders (plain substitution, never evaluated). '
  'critical: in_app cannot be disabled and unsubscribe does not silence the emails. Read only by private.create_notification.';
alter table public.notification_templates enable row level security;
revoke all on public.notification_templates from public, anon, authenticated, service_role;
insert into private.permission_matrix_closed_tables (table_name, reason) values
  ('public.notification_templates',
   'Reference texts rendered server-side by private.create_notification; no API role reads or writes them (migrations do).');
insert into audit.unaudited_tables (table_name, why) values
  ('public.notification_templates', 'Reference data written only by migrations (reviewed in git), never at run time.');

insert into public.notification_templates (type, language, title_template, body_template, critical) values
  ('emergency_pending', 'fr', 'Urgence en attente : {{client}}', 'L''urgence « {{description}} » de {{client}} attend une prise en charge depuis {{minutes}} min.', true),
  ('emergency_pending', 'en', 'Pending emergency: {{client}}', 'The emergency "{{description}}" from {{client}} has been waiting for {{minutes}} min.', true),
  ('invoice_overdue_7days', 'fr', 'Facture {{number}} en retard de 7 jours', 'La facture {{number}} de {{client}} ({{amount}}) était due le {{due_date}}.', false),
  ('invoice_overdue_7days', 'en', 'Invoice {{number}} 7 days overdue', 'Invoice {{number}} for {{client}} ({{amount}}) was due on {{due_date}}.', false),
  ('invoice_overdue_30days', 'fr', 'Facture {{number}} en retard de 30 jours', 'La facture {{number}} de {{client}} ({{amount}}) était due le {{due_date}} : relance nécessaire.', false),
  ('invoice_overdue_30days', 'en', 'Invoice {{number}} 30 days overdue', 'Invoice {{number}} for {{client}} ({{amount}}) was due on {{due_date}}: follow-up needed.', false),
  ('stock_critical', 'fr', 'Stock critique : {{item}}', 'Le stock de {{item}} est à {{quantity}} (seuil {{threshold}}).', true),
  ('stock_critical', 'en', 'Critical stock: {{item}}', 'Stock of {{item}} is at {{quantity}} (threshold {{threshold}}).', true),
  ('mission_blocked', 'fr', 'Intervention bloquée : {{mission}}', 'L''intervention {{mission}} est bloquée depuis {{hours}} h. {{reason}}', false),
  ('mission_blocked', 'en', 'Mission blocked: {{mission}}', 'Mission {{mission}} has been blocked for {{hours}} h. {{reason}}', false),
  ('timesheet_unapproved', 'fr', 'Feuilles de temps à valider', '{{count}} feuille(s) de temps attendent une validation depuis plus de {{days}} jours.', false),
  ('timesheet_unapproved', 'en', 'Timesheets awaiting approval', '{{count}} timesheet(s) have awaited approval for more than {{days}} days.', false),
  ('alert_escalated', 'fr', 'Alerte escaladée : {{title}}', 'Sans réponse, l''alerte « {{title}} » vous est transmise. {{body}}', true),
  ('alert_escalated', 'en', 'Escalated alert: {{title}}', 'Unanswered, the alert "{{title}}" is escalated to you. {{body}}', true),
  ('api_key_created', 'fr', 'Sécurité : {{title}}', 'Une clé API a été créée. {{body}}', true),
  ('api_key_created', 'en', 'Security: {{title}}', 'An API key was created. {{body}}', true),
  ('api_key_revoked', 'fr', 'Sécurité : {{title}}', 'Une clé API a été révoquée. {{body}}', true),
  ('api_key_revoked', 'en', 'Security: {{title}}', 'An API key was revoked. {{body}}', true),
  ('api_key_rotated', 'fr', 'Sécurité : {{title}}', 'Une clé API a été renouvelée. {{body}}', true),
  ('api_key_rotated', 'en', 'Security: {{title}}', 'An API key was rotated. {{body}}', true),
  ('rule_fired', 'fr', 'Règle déclenchée : {{rule}}', '{{title}} {{body}}', false),
  ('rule_fired', 'en', 'Rule fired: {{rule}}', '{{title}} {{body}}', false),
  ('rule_suppressed_summary', 'fr', 'Règle {{rule}} : {{count}} déclenchement(s) regroupé(s)', 'La règle {{rule}} s''est déclenchée {{count}} fois de plus ; ces notifications ont été regroupées.', false),
  ('rule_suppressed_summary', 'en', 'Rule {{rule}}: {{count}} firing(s) grouped', 'Rule {{rule}} fired {{count}} more time(s); those notifications were grouped.', false),
  ('notification_failed', 'fr', 'Notification non distribuée', 'La notification « {{title}} » n''a pas pu être envoyée par {{channel}} après {{attempts}} tentatives : {{error}}', false),
  ('notification_failed', 'en', 'Notification not delivered', 'The notification "{{title}}" could not be sent by {{channel}} after {{attempts}} attempts: {{error}}', false);

-- {{name}} → params->>name, one left-to-right pass (a value containing
-- "{{x}}" is never expanded again). Missing param: the placeholder stays.
create function private.render_template(p_template text, p_params jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_out  text := '';
  v_rest text := p_template;
  v_m    text[];
  v_pos  integer;
begin
  if p_template is null then
    return null;
  end if;
  loop
    v_m := regexp_match(v_rest, '\{\{([a-z_][a-z0-9_]*)\}\}');
    exit when v_m is null;
    v_pos := position('{{' || v_m[1] || '}}' in v_rest);
    v_out := v_out || left(v_rest, v_pos - 1)
             || coalesce(coalesce(p_params, '{}'::jsonb) ->> v_m[1], '{{' || v_m[1] || '}}');
    v_rest := substr(v_rest, v_pos + length(v_m[1]) + 4);
  end loop;
  return v_out || v_rest;
end;
$$;
comment on function private.render_template(text, jsonb) is
  'Replaces {{name}} by params->>name in one pass (no evaluation, no re-expansion); a missing param leaves {{name}} visible.';

create function private.template_params_missing(p_template text, p_params jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select exists (select from regexp_matches(p_template, '\{\{([a-z_][a-z0-9_]*)\}\}', 'g') m
                 where not (coalesce(p_params, '{}'::jsonb) ? m[1]))
$$;
comment on function private.template_params_missing(text, jsonb) is 'True when a {{name}} of the template has no value in params.';

-- The template row of a type in a language: exact type, else its last dotted segment.
create function private.notification_template(p_type text, p_language text)
returns public.notification_templates
language sql
stable
security definer
set search_path = ''
as $$
  select t.* from public.notification_templates t
  where t.language = p_language
    and t.type in (p_type, regexp_replace(p_type, '^.*\.', ''))
  order by (t.type = p_type) desc
  limit 1
$$;
comment on function private.notification_template(text, text) is
  'Template of a notification type (exact, else last dotted segment) in a language; definer: the table is closed to API roles.';

create function private.notification_is_critical(p_type text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select bool_or(t.critical) from public.notification_templates t
                   where t.type in (p_type, regexp_replace(p_type, '^.*\.', ''))), false)
$$;
comment on function private.notification_is_critical(text) is
  'True for critical types (emergencies, critical stock, escalations, API-key security alerts): in_app always on, no unsubscribe.';

-- -----------------------------------------------------------------------------
-- Preferences
-- -----------------------------------------------------------------------------
create table public.notification_preferences (
  org_id     uuid not null,
  user_id    uuid not null,
  -- A notification type, or '*' for every type.
  type       text not null check (type = '*' or (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' and length(type) <= 100)),
  channel    text not null check (channel in ('in_app', 'email', 'push')),
  enabled    boolean not null,
  updated_at timestamptz not null default now(),
  primary key (org_id, user_id, type, channel),
  constraint notification_preferences_member_fkey foreign key (org_id, user_id)
    references public.memberships (org_id, user_id) on delete cascade
);
comment on table public.notification_preferences is
  'Per user, organization, type (or * for all) and channel: enabled or not. Absent = enabled; the exact type wins over *. '
  'Read own rows; written through public.set_notification_preference and public.unsubscribe.';
-- The RLS filter (user_id = auth.uid()).
create index notification_preferences_user_id_idx on public.notification_preferences (user_id);
alter table public.notification_preferences enable row level security;
create policy notification_preferences_select_own on public.notification_preferences
  for select to authenticated
  using (user_id = (select auth.uid()));
grant select on public.notification_preferences to authenticated;
grant select on public.notification_preferences to service_role;
insert into private.permission_matrix (table_name, role, operation, scope, note)
select 'public.notification_preferences', r.role, 'select', 'own',
       'Own preferences; written through set_notification_preference (critical in_app cannot be disabled) and unsubscribe.'
from (values ('owner'), ('admin'), ('dispatcher'), ('technician'), ('accountant'), ('client')) as r (role);
select audit.enable_for('public.notification_preferences');

-- Effective preference: exact type row, else '*' row (ignored for critical
-- types: unsubscribing from everything keeps security and emergency emails),
-- else enabled. in_app of a critical type is always enabled.
create function private.notification_enabled(p_org uuid, p_user uuid, p_type text, p_channel text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_critical boolean := private.notification_is_critical(p_type);
  v_exact    boolean;
  v_any      boolean;
begin
  if v_critical and p_channel = 'in_app' then
    return true;
  end if;
  -- The full type or its last segment ('alert.mission_blocked' / 'mission_blocked'), the full one first.
  select p.enabled into v_exact from public.notification_preferences p
  where p.org_id = p_org and p.user_id = p_user and p.channel = p_channel
    and p.type in (p_type, regexp_replace(p_type, '^.*\.', ''))
  order by (p.type = p_type) desc
  limit 1;
  if v_exact is not null then
    return v_exact;
  end if;
  if not v_critical then
    select p.enabled into v_any from public.notification_preferences p
    where p.org_id = p_org and p.user_id = p_user and p.type = '*' and p.channel = p_channel;
  end if;
  return coalesce(v_any, true);
end;
$$;
comment on function private.notification_enabled(uuid, uuid, text, text) is
  'Effective preference: the type (full, else its last dotted segment), else * (not for critical types), else enabled; in_app of a critical type is always on.';

create function public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean)
returns public.notification_preferences
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.notification_preferences;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to change notification preferences' using errcode = '28000';
  end if;
  if p_org is null or p_type is null or p_channel is null or p_enabled is null then
    raise exception 'organization, type, channel and enabled are required' using errcode = '22004';
  end if;
  if not exists (select from public.memberships m where m.org_id = p_org and m.user_id = (select auth.uid())) then
    raise exception 'not a member of organization %', p_org using errcode = '42501';
  end if;
  if p_channel = 'in_app' and not p_enabled and p_type <> '*' and private.notification_is_critical(p_type) then
    raise exception 'in-app notifications of critical type % cannot be disabled', p_type using errcode = '22023';
  end if;
  insert into public.notification_preferences (org_id, user_id, type, channel, enabled)
  values (p_org, (select auth.uid()), p_type, p_channel, p_enabled)
  on conflict (org_id, user_id, type, channel) do update set enabled = excluded.enabled, updated_at = now()
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.set_notification_preference(uuid, text, text, boolean) is
  'RPC (any member): enables or disables a notification type (or * for all) on a channel for oneself. '
  'Refused (22023) for in_app of a critical type; * never disables critical in_app rows either.';
revoke all on function public.set_notification_preference(uuid, text, text, boolean) from public, anon;
grant execute on function public.set_notification_preference(uuid, text, text, boolean) to authenticated;

-- -----------------------------------------------------------------------------
-- Push subscriptions (Web Push endpoints; used by the push sender, later issue)
-- -----------------------------------------------------------------------------
create table public.push_subscriptions (
  id           uuid primary key default gen_random_uuid(),
  user_id      uuid not null references public.profiles (id) on delete cascade,
  endpoint     text not null unique check (endpoint ~ '^https://' and length(endpoint) <= 2000),
  p256dh       text not null check (length(p256dh) between 1 and 200),
  auth         text not null check (length(auth) between 1 and 100),
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
comment on table public.push_subscriptions is
  'Web Push subscriptions, one per device (endpoint). Closed to the API: written through register/delete_push_subscription, '
  'read by the push sender (definer function, later issue). A user with one gets push notifications from notify_roles.';
create index push_subscriptions_user_id_idx on public.push_subscriptions (user_id);
alter table public.push_subscriptions enable row level security;
revoke all on public.push_subscriptions from public, anon, authenticated, service_role;
insert into private.permission_matrix_closed_tables (table_name, reason) values
  ('public.push_subscriptions',
   'Device keys (p256dh, auth) of a user: no org_id (a device belongs to a user, not an organization), so written only through '
   'register_push_subscription / delete_push_subscription (own rows) and read by the push sender through a definer function.');
insert into audit.unaudited_tables (table_name, why) values
  ('public.push_subscriptions', 'Device registrations refreshed on every app start (last_seen_at); they hold device keys that must not be copied into the trail.');

create function public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to register a push subscription' using errcode = '28000';
  end if;
  -- An endpoint re-registered by another user (shared device) moves to the caller.
  insert into public.push_subscriptions (user_id, endpoint, p256dh, auth)
  values ((select auth.uid()), p_endpoint, p_p256dh, p_auth)
  on conflict (endpoint) do update
    set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, last_seen_at = now()
  returning id into v_id;
  return v_id;
end;
$$;
comment on function public.register_push_subscription(text, text, text) is
  'RPC (signed-in user): registers or refreshes this device''s Web Push subscription for the caller.';
revoke all on function public.register_push_subscription(text, text, text) from public, anon;
grant execute on function public.register_push_subscription(text, text, text) to authenticated;

create function public.delete_push_subscription(p_endpoint text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with d as (delete from public.push_subscriptions s where s.endpoint = p_endpoint and s.user_id = (select auth.uid()) returning 1)
  select exists (select from d)
$$;
comment on function public.delete_push_subscription(text) is 'RPC (signed-in user): removes one of the caller''s push subscriptions.';
revoke all on function public.delete_push_subscription(text) from public, anon;
grant execute on function public.delete_push_subscription(text) to authenticated;

-- -----------------------------------------------------------------------------
-- create_notification (the shared contract)
-- -----------------------------------------------------------------------------
-- Internal form: also says whether the row was written now (notify_roles counts those).
create function private.create_notification_row(
  p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid,
  p_dedupe_key text, p_params jsonb, out id uuid, out created boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_lang  text;
  v_tpl   public.notification_templates;
  v_title text;
  v_body  text;
begin
  created := false;
  if p_org is null or p_user is null or p_channel is null or p_type is null then
    raise exception 'create_notification needs an organization, a user, a channel and a type' using errcode = '22004';
  end if;
  if p_channel not in ('in_app', 'email', 'push') then
    raise exception 'unknown notification channel %', p_channel using errcode = '22023';
  end if;
  -- Dedupe first: the same key in the organization returns the existing row.
  if p_dedupe_key is not null then
    select n.id into id from public.notifications n where n.org_id = p_org and n.dedupe_key = p_dedupe_key;
    if id is not null then
      return;
    end if;
  end if;
  if not private.notification_enabled(p_org, p_user, p_type, p_channel) then
    return;  -- id null: disabled by the user's preferences
  end if;

  select coalesce(pr.language, 'fr') into v_lang from public.profiles pr where pr.id = p_user;
  v_tpl := private.notification_template(p_type, coalesce(v_lang, 'fr'));
  -- The template when its params are all there, or when the caller gave no
  -- ready text (then a missing param stays visible); otherwise the caller's
  -- title/body (notify_roles callers pass ready text, not template params).
  if v_tpl.type is not null
     and (not (p_params ? 'title')
          or not private.template_params_missing(v_tpl.title_template || ' ' || v_tpl.body_template, p_params)) then
    v_title := private.render_template(v_tpl.title_template, p_params);
    v_body  := private.render_template(v_tpl.body_template, p_params);
  else
    v_title := p_params ->> 'title';
    v_body  := p_params ->> 'body';
  end if;
  if v_title is null or btrim(v_title) = '' then
    raise exception 'notification type % has no template and no title param', p_type using errcode = '22004';
  end if;

  insert into public.notifications (
    org_id, user_id, channel, type, title, body, entity_table, entity_id, dedupe_key,
    delivery_status, sent_at, next_attempt_at)
  values (
    p_org, p_user, p_channel, p_type, left(btrim(v_title), 200), left(v_body, 4000), p_entity_table, p_entity_id, p_dedupe_key,
    case p_channel when 'in_app' then 'sent' else 'pending' end,
    case p_channel when 'in_app' then now() end,
    case p_channel when 'in_app' then null else now() end)
  on conflict (org_id, dedupe_key) do nothing
  returning notifications.id into id;
  if id is not null then
    created := true;
  else
    -- Lost a race on the dedupe key: the winner's row.
    select n.id into id from public.notifications n where n.org_id = p_org and n.dedupe_key = p_dedupe_key;
  end if;
end;
$$;
comment on function private.create_notification_row(uuid, uuid, text, text, text, uuid, text, jsonb) is
  'create_notification, also returning whether the row was written by this call (false: deduplicated or disabled).';

create function private.create_notification(
  p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid,
  p_dedupe_key text, p_params jsonb default '{}')
returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
  select r.id from private.create_notification_row(p_org, p_user, p_channel, p_type, p_entity_table, p_entity_id,
                                                   p_dedupe_key, p_params) r
$$;
comment on function private.create_notification(uuid, uuid, text, text, text, uuid, text, jsonb) is
  'Writes one notification rendered from the template of its type in the user''s language ({{param}} from p_params; '
  'no template: params title/body). Same org + dedupe key: returns the existing id, writes nothing. Disabled by the '
  'user''s preferences: returns null. in_app rows are sent at once, email/push rows pending and due now.';
grant execute on function private.create_notification(uuid, uuid, text, text, text, uuid, text, jsonb) to service_role;

-- -----------------------------------------------------------------------------
-- notify_roles, through create_notification. Channels per user: in_app,
-- email, and push when the user has a push subscription. Returns the number of
-- rows written (deduplicated or disabled ones not counted).
--   * private.notify_roles_with_params: template params (localized text);
--   * private.notify_roles (signature of issue 4, kept): ready title/body,
--     passed as the params title/body — used by templates as {{title}} /
--     {{body}}, or as is when the type's template needs params not given.
-- -----------------------------------------------------------------------------
create function private.notify_roles_with_params(
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
      and m.role = any (p_roles)
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
  'Notifies every member holding one of the roles through create_notification with template params: in_app, email, push '
  '(users with a push subscription), deduplicated on <dedupe key>:<user>:<channel>, preferences honoured. Returns rows written.';
grant execute on function private.notify_roles_with_params(uuid, public.member_role[], text, text, uuid, text, jsonb) to service_role;

create or replace function private.notify_roles(
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
begin
  if p_org is null or p_roles is null or p_type is null or p_title is null then
    raise exception 'notify_roles needs an organization, roles, a type and a title' using errcode = '22004';
  end if;
  return private.notify_roles_with_params(p_org, p_roles, p_type, p_entity_table, p_entity_id, p_dedupe_key,
                                          jsonb_strip_nulls(jsonb_build_object('title', p_title, 'body', p_body)));
end;
$$;
comment on function private.notify_roles(uuid, public.member_role[], text, text, text, text, uuid, text) is
  'Notifies every member of the organization holding one of the roles (notify_roles_with_params with params title/body): '
  'in_app (sent), email (pending), push (pending, users with a push subscription), deduplicated on <dedupe key>:<user>:<channel>, '
  'preferences honoured. Returns the number of rows written. Internal: called by definer functions and jobs.';

-- -----------------------------------------------------------------------------
-- The user's side
-- -----------------------------------------------------------------------------
-- Unread in-app notifications of a user (the badge).
create index notifications_unread_in_app_idx on public.notifications (user_id)
  where channel = 'in_app' and read_at is null;

create function public.unread_notification_count()
returns integer
language sql
stable
set search_path = ''
as $$
  select count(*)::integer from public.notifications n
  where n.user_id = (select auth.uid()) and n.channel = 'in_app' and n.read_at is null
$$;
comment on function public.unread_notification_count() is 'RPC: number of the caller''s unread in-app notifications (all organizations).';
revoke all on function public.unread_notification_count() from public, anon;
grant execute on function public.unread_notification_count() to authenticated;

-- Security invoker: the column grant on read_at and the own-rows policy apply.
create function public.mark_notification_read(p_id uuid)
returns timestamptz
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_read_at timestamptz;
begin
  update public.notifications n set read_at = coalesce(n.read_at, now())
  where n.id = p_id and n.user_id = (select auth.uid())
  returning n.read_at into v_read_at;
  if v_read_at is null then
    raise exception 'notification % not found', p_id using errcode = 'P0002';
  end if;
  return v_read_at;
end;
$$;
comment on function public.mark_notification_read(uuid) is
  'RPC: marks one of the caller''s notifications read (idempotent: keeps the first read time). P0002 if not the caller''s.';
revoke all on function public.mark_notification_read(uuid) from public, anon;
grant execute on function public.mark_notification_read(uuid) to authenticated;

create function public.mark_all_notifications_read()
returns integer
language sql
volatile
set search_path = ''
as $$
  with u as (
    update public.notifications n set read_at = now()
    where n.user_id = (select auth.uid()) and n.channel = 'in_app' and n.read_at is null
    returning 1)
  select count(*)::integer from u
$$;
comment on function public.mark_all_notifications_read() is 'RPC: marks all the caller''s unread in-app notifications read; returns how many.';
revoke all on function public.mark_all_notifications_read() from public, anon;
grant execute on function public.mark_all_notifications_read() to authenticated;

-- -----------------------------------------------------------------------------
-- The sender's side (service_role: edge functions)
-- -----------------------------------------------------------------------------
create function public.claim_pending_notifications(p_channel text, p_limit integer default 50)
returns setof public.notifications
language plpgsql
volatile
set search_path = ''
as $$
begin
  if p_channel is null or p_channel not in ('email', 'push') then
    raise exception 'claim_pending_notifications: channel must be email or push, got %', p_channel using errcode = '22023';
  end if;
  if p_limit is null or p_limit not between 1 and 500 then
    raise exception 'claim_pending_notifications: limit must be between 1 and 500, got %', p_limit using errcode = '22023';
  end if;
  -- The lease: a claimed row is not due again for 5 minutes (crashed sender → retried then).
  return query
  update public.notifications n
  set attempts = n.attempts + 1,
      next_attempt_at = now() + interval '5 minutes'
  where n.id in (
    select q.id from public.notifications q
    where q.channel = p_channel and q.delivery_status = 'pending' and q.next_attempt_at <= now()
    order by q.next_attempt_at
    limit p_limit
    for update skip locked)
  returning n.*;
end;
$$;
comment on function public.claim_pending_notifications(text, integer) is
  'RPC (service_role): hands up to p_limit due pending rows of a channel to a sender, each exactly once (SKIP LOCKED); '
  'counts the attempt and leases the row for 5 minutes. Report with mark_notification_sent / mark_notification_failed.';
revoke all on function public.claim_pending_notifications(text, integer) from public, anon, authenticated;
grant execute on function public.claim_pending_notifications(text, integer) to service_role;

create function public.mark_notification_sent(p_id uuid)
returns public.notifications
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_row public.notifications;
begin
  select * into v_row from public.notifications n where n.id = p_id for update;
  if v_row.id is null then
    raise exception 'notification % not found', p_id using errcode = 'P0002';
  end if;
  if v_row.delivery_status = 'sent' then
    return v_row;  -- a repeated report changes nothing
  end if;
  if v_row.delivery_status = 'failed' then
    raise exception 'notification % has failed for good and cannot be marked sent', p_id using errcode = '55000';
  end if;
  update public.notifications n
  set delivery_status = 'sent', sent_at = now(), next_attempt_at = null, last_error = null
  where n.id = p_id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.mark_notification_sent(uuid) is 'RPC (service_role): the sender delivered the row (idempotent). 55000 if failed for good.';
revoke all on function public.mark_notification_sent(uuid) from public, anon, authenticated;
grant execute on function public.mark_notification_sent(uuid) to service_role;

-- Definer: logs an app_event through private.log_app_event (issue 5, G1).
create function public.mark_notification_failed(p_id uuid, p_error text)
returns public.notifications
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c_max_attempts constant integer := 5;
  v_row public.notifications;
begin
  select * into v_row from public.notifications n where n.id = p_id for update;
  if v_row.id is null then
    raise exception 'notification % not found', p_id using errcode = 'P0002';
  end if;
  if v_row.delivery_status <> 'pending' then
    raise exception 'notification % is % and cannot be marked failed', p_id, v_row.delivery_status using errcode = '55000';
  end if;
  if v_row.attempts >= c_max_attempts then
    update public.notifications n
    set delivery_status = 'failed', next_attempt_at = null, last_error = left(p_error, 2000)
    where n.id = p_id
    returning * into v_row;
    -- Dynamic: private.log_app_event belongs to the alerts migration (G1).
    if to_regprocedure('private.log_app_event(uuid, text, text, text, uuid, jsonb)') is not null then
      execute 'select private.log_app_event($1, $2, $3, $4, $5, $6)'
      using v_row.org_id, 'notification_failed', 'warning', 'public.notifications', v_row.id,
            jsonb_build_object('channel', v_row.channel, 'type', v_row.type, 'user_id', v_row.user_id,
                               'attempts', v_row.attempts, 'error', left(p_error, 500));
    end if;
  else
    -- Backoff: 1, 2, 4, 8 min … (1 min × 2^(attempts-1)), at most 6 h.
    update public.notifications n
    set next_attempt_at = now() + least(interval '1 minute' * power(2, greatest(v_row.attempts, 1) - 1), interval '6 hours'),
        last_error = left(p_error, 2000)
    where n.id = p_id
    returning * into v_row;
  end if;
  return v_row;
end;
$$;
comment on function public.mark_notification_failed(uuid, text) is
  'RPC (service_role): a delivery attempt failed. Retried after 1 min × 2^(attempts-1) (max 6 h); after 5 attempts the row '
  'is failed for good and an app_event notification_failed (warning) is logged. 55000 if the row is not pending.';
revoke all on function public.mark_notification_failed(uuid, text) from public, anon, authenticated;
grant execute on function public.mark_notification_failed(uuid, text) to service_role;

-- -----------------------------------------------------------------------------
-- Unsubscribe (link in every email): token stored as sha256, per user.
-- -----------------------------------------------------------------------------
create table public.unsubscribe_tokens (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  user_id    uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now()
);
comment on table public.unsubscribe_tokens is
  'sha256 (hex) of the unsubscribe tokens put in emails, per user. Closed to the API: issued by private.issue_unsubscribe_token, '
  'checked by public.unsubscribe.';
create index unsubscribe_tokens_user_id_idx on public.unsubscribe_tokens (user_id);
alter table public.unsubscribe_tokens enable row level security;
revoke all on public.unsubscribe_tokens from public, anon, authenticated, service_role;
insert into private.permission_matrix_closed_tables (table_name, reason) values
  ('public.unsubscribe_tokens', 'Hashes of unsubscribe tokens: issued by private.issue_unsubscribe_token, checked by public.unsubscribe only.');
insert into audit.unaudited_tables (table_name, why) values
  ('public.unsubscribe_tokens', 'One token per email sent: high churn; the unsubscribe itself is audited on notification_preferences.');

-- A user's token: issued when an email is built (the sender, service_role),
-- returned once; the database keeps its hash only.
create function private.issue_unsubscribe_token(p_user uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_token text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  if not exists (select from public.profiles p where p.id = p_user) then
    raise exception 'unknown user %', p_user using errcode = 'P0002';
  end if;
  insert into public.unsubscribe_tokens (token_hash, user_id)
  values (encode(extensions.digest(v_token, 'sha256'), 'hex'), p_user);
  return v_token;
end;
$$;
comment on function private.issue_unsubscribe_token(uuid) is 'Issues an unsubscribe token for a user (returned once, stored as sha256).';
grant execute on function private.issue_unsubscribe_token(uuid) to service_role;

-- anon: the link is opened from a mail client, signed out. The token is the credential.
create function public.unsubscribe(p_token text)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user  uuid;
  v_count integer;
begin
  if p_token is null or p_token !~ '^[0-9a-f]{64}$' then
    raise exception 'invalid unsubscribe token' using errcode = '22023';
  end if;
  select t.user_id into v_user from public.unsubscribe_tokens t
  where t.token_hash = encode(extensions.digest(p_token, 'sha256'), 'hex');
  if v_user is null then
    raise exception 'invalid unsubscribe token' using errcode = '22023';
  end if;
  -- Email off for every type in every organization of the user ('*'); critical
  -- types ignore '*' (private.notification_enabled), in_app is untouched.
  insert into public.notification_preferences (org_id, user_id, type, channel, enabled)
  select m.org_id, m.user_id, '*', 'email', false from public.memberships m where m.user_id = v_user
  on conflict (org_id, user_id, type, channel) do update set enabled = false, updated_at = now();
  get diagnostics v_count = row_count;
  -- Emails already queued (non-critical) are dropped too.
  update public.notifications n set delivery_status = 'failed', next_attempt_at = null, last_error = 'unsubscribed'
  where n.user_id = v_user and n.channel = 'email' and n.delivery_status = 'pending'
    and not private.notification_is_critical(n.type);
  return v_count;
end;
$$;
comment on function public.unsubscribe(text) is
  'RPC (anon: the link in an email): turns off email notifications of every type for the token''s user in all their '
  'organizations, except critical ones. Returns the number of organizations. 22023 for an unknown or malformed token.';
revoke all on function public.unsubscribe(text) from public;
grant execute on function public.unsubscribe(text) to anon, authenticated, service_role;
insert into ops.lint_allowlist (rule, object, reason) values
  ('anon_execute', 'public.unsubscribe(text)',
   'The unsubscribe link of every email is opened signed out: the 64-hex token (stored as sha256) is the credential; '
   'it only disables the token owner''s non-critical emails.');

-- -----------------------------------------------------------------------------
-- Housekeeping used by the jobs (20261123110500)
-- -----------------------------------------------------------------------------
-- Retention: read in-app rows after 90 days; delivered or failed email/push rows
-- after 30 days. Unread in-app rows and pending rows are kept.
create function private.purge_notifications()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_in_app integer;
  v_other  integer;
begin
  delete from public.notifications n
  where n.channel = 'in_app' and n.read_at is not null and n.created_at < now() - interval '90 days';
  get diagnostics v_in_app = row_count;
  delete from public.notifications n
  where n.channel in ('email', 'push') and n.delivery_status in ('sent', 'failed') and n.created_at < now() - interval '30 days';
  get diagnostics v_other = row_count;
  delete from public.unsubscribe_tokens t where t.created_at < now() - interval '1 year';
  return v_in_app + v_other;
end;
$$;
comment on function private.purge_notifications() is
  'Deletes read in_app notifications older than 90 days, sent/failed email and push rows older than 30 days, unsubscribe '
  'tokens older than a year. Unread and pending rows stay. pg_cron daily.';
grant execute on function private.purge_notifications() to service_role;

-- Due rows (pending, next_attempt_at passed — including expired leases of a
-- crashed sender) per channel; NOTIFY terrain_deliveries with the counts so a
-- listening sender (local stack) starts a round. Returns the number due.
create function private.signal_due_notifications()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_due jsonb;
  v_total integer;
begin
  select coalesce(jsonb_object_agg(x.channel, x.n), '{}'), coalesce(sum(x.n), 0)::integer into v_due, v_total
  from (select n.channel, count(*) as n from public.notifications n
        where n.delivery_status = 'pending' and n.channel in ('email', 'push') and n.next_attempt_at <= now()
        group by n.channel) x;
  if v_total > 0 then
    perform pg_notify('terrain_deliveries', v_due::text);
  end if;
  return v_total;
end;
$$;
comment on function private.signal_due_notifications() is
  'Counts due pending email/push rows (expired leases included) and NOTIFYs terrain_deliveries with {channel: count}. pg_cron every minute.';
grant execute on function private.signal_due_notifications() to service_role;
