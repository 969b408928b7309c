-- =============================================================================
-- External events and rules (issue 5, item 7).
--
-- External systems (connected boilers, partner software) POST events to the
-- `events` edge function with an API key (scope events:write). The function
-- authenticates the key and calls private.ingest_event, which:
--   * stores the event once per (organization, sender's id): a replay returns
--     the first result and changes nothing (idempotent);
--   * evaluates the organization's enabled rules for that event type. A rule's
--     condition is an SQL/JSON path PREDICATE (`$.temperature > 90 &&
--     $.site == "boiler-1"`) evaluated with jsonb_path_match only: no code is
--     ever run, whatever a rule says;
--   * applies the action of each matching rule (create an emergency request,
--     create a client request, notify roles) and logs an app_event 'rule_fired';
--   * suppresses floods: at most max_firings firings per rule per fixed window
--     of per_seconds seconds (windows aligned on 2000-01-01 UTC, so a window
--     has a start everyone agrees on). Surplus firings are recorded as
--     suppressed and summarised in ONE notification per rule and window to the
--     owners and admins ('rule_suppressed_summary', with the count).
--
-- Tables:
--   rules         owner/admin manage, dispatcher reads; audited.
--   events        owner/admin/dispatcher read; written by ingest_event only
--                 (service role). High churn, unaudited (reason below).
--   rule_firings  owner/admin/dispatcher read; written by ingest_event only.
--                 High churn, unaudited.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- rules
-- -----------------------------------------------------------------------------
create table public.rules (
  id            uuid primary key default gen_random_uuid(),
  org_id        uuid not null references public.organizations (id) on delete cascade,
  name          text not null,
  -- The event type the rule listens to (events.type).
  event_type    text not null,
  -- An SQL/JSON path predicate over the event payload, e.g. `$.temperature > 90`.
  condition     text not null,
  action        text not null,
  -- create_emergency / create_client_request: {client_id, site_id?, title?};
  -- notify_roles: {roles: [...], title?}. Validated by private.rules_validate().
  action_params jsonb not null default '{}',
  -- The severity of the emergency requests the rule creates (and of its app_events).
  severity      public.emergency_severity not null default 'high',
  max_firings   integer not null default 5,
  per_seconds   integer not null default 3600,
  enabled       boolean not null default true,
  created_by    uuid default auth.uid() references auth.users (id) on delete set null,
  created_at    timestamptz not null default now(),
  -- The client and site of request-creating actions, lifted out of action_params
  -- so that composite foreign keys prove they belong to the rule's organization.
  client_id     uuid generated always as ((action_params ->> 'client_id')::uuid) stored,
  site_id       uuid generated always as ((action_params ->> 'site_id')::uuid) stored,
  constraint rules_org_id_id_key unique (org_id, id),
  constraint rules_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id) on delete cascade,
  constraint rules_site_fkey foreign key (org_id, client_id, site_id) references public.sites (org_id, client_id, id) on delete cascade,
  constraint rules_name_length check (length(btrim(name)) between 1 and 100),
  constraint rules_event_type_length check (length(event_type) between 1 and 100),
  constraint rules_condition_length check (length(btrim(condition)) between 1 and 2000),
  constraint rules_action_check check (action in ('create_emergency', 'create_client_request', 'notify_roles')),
  constraint rules_action_params_object check (jsonb_typeof(action_params) = 'object'),
  constraint rules_max_firings_check check (max_firings between 1 and 10000),
  constraint rules_per_seconds_check check (per_seconds between 1 and 604800)
);
comment on table public.rules is
  'Rules on external events: when an event of event_type matches condition (an SQL/JSON path predicate, evaluated with '
  'jsonb_path_match only), apply action; at most max_firings per fixed window of per_seconds. Owner/admin manage, dispatcher reads.';
comment on column public.rules.condition is
  'SQL/JSON path predicate over the event payload, e.g. $.temperature > 90 && $.site == "boiler-1". A missing path is false.';
comment on column public.rules.per_seconds is
  'Suppression window (seconds): fixed windows aligned on 2000-01-01 UTC; firings beyond max_firings in a window are suppressed.';

-- ingest_event: the enabled rules of an organization for one event type.
create index rules_org_event_type_idx on public.rules (org_id, event_type) where enabled;
-- RLS filter and the list of an organization's rules.
create index rules_org_id_created_at_idx on public.rules (org_id, created_at desc);
-- Foreign keys (client/site deletion, user deletion).
create index rules_client_idx on public.rules (org_id, client_id) where client_id is not null;
create index rules_site_idx on public.rules (org_id, client_id, site_id) where site_id is not null;
create index rules_created_by_idx on public.rules (created_by) where created_by is not null;

-- Validation on save: the condition parses as a jsonpath predicate and the
-- action parameters fit the action. Runs before the generated columns are
-- computed, so a malformed client_id gets this message, not a cast error.
create function private.rules_validate()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_path    jsonpath;
  v_probe   jsonb;
  v_allowed text[];
  v_unknown text[];
  v_role    text;
begin
  if new.action is null or new.action not in ('create_emergency', 'create_client_request', 'notify_roles') then
    raise exception 'Unknown rule action % (create_emergency, create_client_request or notify_roles)', new.action
      using errcode = '22023';
  end if;
  -- 1. Syntax: the cast is the parser; nothing is executed.
  begin
    v_path := new.condition::jsonpath;
  exception when others then
    raise exception 'Invalid rule condition: %', sqlerrm using errcode = '22023';
  end;
  -- 2. A predicate: on an empty object it yields exactly one boolean (or
  --    unknown), whatever paths it names ($.a > 1 on {} is false). A plain path
  --    ($.a) yields no item, `$` yields an object: not predicates.
  begin
    perform pg_catalog.jsonb_path_match('{}'::jsonb, v_path, '{}'::jsonb, true);
    v_probe := pg_catalog.jsonb_path_query_array('{}'::jsonb, v_path, '{}'::jsonb, true);
  exception when others then
    raise exception 'Invalid rule condition: %', sqlerrm using errcode = '22023';
  end;
  if pg_catalog.jsonb_array_length(v_probe) <> 1
     or pg_catalog.jsonb_typeof(v_probe -> 0) not in ('boolean', 'null') then
    raise exception 'Invalid rule condition: % is not a predicate (write a comparison or test, e.g. $.temperature > 90)', new.condition
      using errcode = '22023';
  end if;

  -- 3. Action parameters.
  v_allowed := case new.action
    when 'notify_roles' then array['roles', 'title']
    else array['client_id', 'site_id', 'title'] end;
  select pg_catalog.array_agg(k order by k) into v_unknown
  from pg_catalog.jsonb_object_keys(new.action_params) k
  where k <> all (v_allowed);
  if v_unknown is not null then
    raise exception 'Unknown action_params for %: % (allowed: %)', new.action,
      pg_catalog.array_to_string(v_unknown, ', '), pg_catalog.array_to_string(v_allowed, ', ')
      using errcode = '22023';
  end if;
  if new.action_params ? 'title' and (pg_catalog.jsonb_typeof(new.action_params -> 'title') <> 'string'
       or length(btrim(new.action_params ->> 'title')) not between 1 and 200) then
    raise exception 'action_params.title must be a string of 1 to 200 characters' using errcode = '22023';
  end if;

  if new.action in ('create_emergency', 'create_client_request') then
    if pg_catalog.jsonb_typeof(new.action_params -> 'client_id') is distinct from 'string'
       or (new.action_params ->> 'client_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      raise exception 'Action % needs action_params.client_id (a client uuid)', new.action using errcode = '22023';
    end if;
    if new.action_params ? 'site_id' and (pg_catalog.jsonb_typeof(new.action_params -> 'site_id') <> 'string'
       or (new.action_params ->> 'site_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') then
      raise exception 'action_params.site_id must be a site uuid' using errcode = '22023';
    end if;
    -- Ownership is proven by the composite foreign keys (rules_client_fkey,
    -- rules_site_fkey): a client or site of another organization is refused (23503).
  else
    if pg_catalog.jsonb_typeof(new.action_params -> 'roles') is distinct from 'array'
       or pg_catalog.jsonb_array_length(new.action_params -> 'roles') = 0 then
      raise exception 'Action notify_roles needs action_params.roles (a non-empty array of roles)' using errcode = '22023';
    end if;
    for v_role in select r from pg_catalog.jsonb_array_elements_text(new.action_params -> 'roles') r loop
      if v_role not in ('owner', 'admin', 'dispatcher', 'technician', 'accountant') then
        raise exception 'action_params.roles: % is not a staff role (owner, admin, dispatcher, technician, accountant)', v_role
          using errcode = '22023';
      end if;
    end loop;
  end if;
  return new;
end;
$$;
comment on function private.rules_validate() is
  'Trigger: a rule''s condition must parse as a jsonpath predicate (Invalid rule condition: …, 22023) and its action_params fit its action.';

create trigger rules_validate before insert or update on public.rules
  for each row execute function private.rules_validate();

alter table public.rules enable row level security;
create policy rules_select on public.rules for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));        -- O A D: org
create policy rules_update on public.rules for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]))                    -- O A: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));
create policy rules_delete on public.rules for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

grant select, delete on public.rules to authenticated;
-- No direct INSERT: rules are created with public.create_rule (below), which
-- checks the role and returns the validation errors of the trigger.
grant update (name, event_type, condition, action, action_params, severity, max_firings, per_seconds, enabled)
  on public.rules to authenticated;
grant select, insert, update, delete on public.rules to service_role;

select audit.enable_for('public.rules');

-- -----------------------------------------------------------------------------
-- events
-- -----------------------------------------------------------------------------
create table public.events (
  id              uuid primary key default gen_random_uuid(),
  org_id          uuid not null references public.organizations (id) on delete cascade,
  -- The key that sent it (kept when the key is revoked; keys are never deleted).
  api_key_id      uuid,
  -- The sender's id of the event: the idempotency key.
  source_event_id text not null,
  type            text not null,
  occurred_at     timestamptz not null,
  payload         jsonb not null,
  received_at     timestamptz not null default now(),
  processed_at    timestamptz,
  -- What ingest_event answered the first time ({event_id, fired, suppressed}): replays return it.
  result          jsonb,
  constraint events_org_id_id_key unique (org_id, id),
  constraint events_org_source_event_id_key unique (org_id, source_event_id),
  constraint events_api_key_fkey foreign key (org_id, api_key_id)
    references public.api_keys (org_id, id) on delete set null (api_key_id),
  constraint events_source_event_id_length check (length(source_event_id) between 1 and 200),
  constraint events_type_length check (length(type) between 1 and 100),
  constraint events_payload_object check (jsonb_typeof(payload) = 'object'),
  constraint events_payload_size check (octet_length(payload::text) <= 65536)
);
comment on table public.events is
  'External events received with an API key (edge function events → private.ingest_event). Unique per (org, source_event_id): '
  'replays are no-ops. Payload: a JSON object of at most 64 KiB. Owner/admin/dispatcher read; only ingest_event writes.';

-- RLS filter and the organization's event log, newest first.
create index events_org_id_received_at_idx on public.events (org_id, received_at desc);
create index events_api_key_idx on public.events (org_id, api_key_id) where api_key_id is not null;

alter table public.events enable row level security;
create policy events_select on public.events for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));        -- O A D: org
grant select on public.events to authenticated;
grant select, insert, update, delete on public.events to service_role;

-- -----------------------------------------------------------------------------
-- rule_firings
-- -----------------------------------------------------------------------------
create table public.rule_firings (
  id           bigint generated always as identity primary key,
  org_id       uuid not null references public.organizations (id) on delete cascade,
  rule_id      uuid not null,
  event_id     uuid not null,
  fired_at     timestamptz not null default now(),
  suppressed   boolean not null default false,
  -- What the firing created (null when suppressed, or for notify_roles: the event).
  entity_table text,
  entity_id    uuid,
  constraint rule_firings_rule_fkey foreign key (org_id, rule_id) references public.rules (org_id, id) on delete cascade,
  constraint rule_firings_event_fkey foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade,
  constraint rule_firings_entity_pair check ((entity_table is null) = (entity_id is null))
);
comment on table public.rule_firings is
  'One row per rule matching an event: fired (the action ran) or suppressed (over max_firings in the window). Written by ingest_event.';

-- The suppression count (rule, window) and the FK to rules.
create index rule_firings_rule_fired_at_idx on public.rule_firings (org_id, rule_id, fired_at);
create index rule_firings_event_idx on public.rule_firings (org_id, event_id);

alter table public.rule_firings enable row level security;
create policy rule_firings_select on public.rule_firings for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));        -- O A D: org
grant select on public.rule_firings to authenticated;
grant select, insert, update, delete on public.rule_firings to service_role;

-- -----------------------------------------------------------------------------
-- Permission matrix and audit
-- -----------------------------------------------------------------------------
insert into private.permission_matrix (table_name, role, operation, scope, note)
select v.table_name, r.role, v.operation, 'org', v.note
from (values
  ('public.rules', array['owner', 'admin', 'dispatcher'], 'select',
   'Rules on external events: dispatch sees why an emergency was created.'),
  ('public.rules', array['owner', 'admin'], 'update',
   'Edit or disable rules (column grants; never org_id). Rules are created with public.create_rule (owner, admin), not by INSERT.'),
  ('public.rules', array['owner', 'admin'], 'delete',
   'Delete rules (their firing history goes with them).'),
  ('public.events', array['owner', 'admin', 'dispatcher'], 'select',
   'External events received with the organization''s API keys; written only by ingest_event (service role).'),
  ('public.rule_firings', array['owner', 'admin', 'dispatcher'], 'select',
   'Which rule fired (or was suppressed) on which event; written only by ingest_event.')
) as v (table_name, roles, operation, note)
cross join lateral unnest(v.roles) as r (role);

insert into audit.unaudited_tables (table_name, why) values
  ('public.events',
   'Machine input at equipment rate (thousands a day per organization), written once and never edited by people: the event row '
   'is itself the record (api_key_id, received_at); what a rule did with it is audited on the tables it wrote to (emergency_requests, client_requests).'),
  ('public.rule_firings',
   'Derived log of rule evaluations, one row per matching event: the record of a firing is this row plus the audited request it '
   'created; auditing it would double every event.');

-- -----------------------------------------------------------------------------
-- create_rule: the one way to create a rule through the API (owner, admin).
-- -----------------------------------------------------------------------------
create function public.create_rule(
  p_org_id        uuid,
  p_name          text,
  p_event_type    text,
  p_condition     text,
  p_action        text,
  p_action_params jsonb,
  p_severity      public.emergency_severity default 'high',
  p_max_firings   integer default 5,
  p_per_seconds   integer default 3600,
  p_enabled       boolean default true
)
returns public.rules
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_rule public.rules%rowtype;
begin
  if p_org_id is null or not (private.is_system_actor() or private.has_role_in(p_org_id, '{owner,admin}')) then
    raise exception 'Only an owner or admin of the organization can create rules' using errcode = '42501';
  end if;
  insert into public.rules (org_id, name, event_type, condition, action, action_params, severity, max_firings, per_seconds,
                            enabled, created_by)
  values (p_org_id, p_name, p_event_type, p_condition, p_action, coalesce(p_action_params, '{}'), coalesce(p_severity, 'high'),
          coalesce(p_max_firings, 5), coalesce(p_per_seconds, 3600), coalesce(p_enabled, true), auth.uid())
  returning * into v_rule;
  return v_rule;
end;
$$;
comment on function public.create_rule(uuid, text, text, text, text, jsonb, public.emergency_severity, integer, integer, boolean) is
  'RPC (owner, admin): creates a rule on external events. The condition must be a jsonpath predicate '
  '(Invalid rule condition: …, 22023); client_id/site_id must belong to the organization (23503). Audited.';
revoke all on function public.create_rule(uuid, text, text, text, text, jsonb, public.emergency_severity, integer, integer, boolean)
  from public, anon;
grant execute on function public.create_rule(uuid, text, text, text, text, jsonb, public.emergency_severity, integer, integer, boolean)
  to authenticated, service_role;

-- -----------------------------------------------------------------------------
-- Notifications of rules: like private.notify_roles (same recipients, channels
-- and dedupe keys <key>:<user>:<channel>), but through
-- private.create_notification with the params the rule templates use
-- ({{rule}}, {{count}}, {{title}}, {{body}}), which notify_roles cannot pass.
-- -----------------------------------------------------------------------------
create function private.notify_rule_roles(
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
  for r in
    select m.user_id, c.channel
    from public.memberships m
    cross join (values ('email'), ('in_app'), ('push')) as c (channel)
    where m.org_id = p_org
      and m.role = any (p_roles)
      and (c.channel <> 'push' or exists (select from public.push_subscriptions s where s.user_id = m.user_id))
    order by m.user_id, c.channel
  loop
    if private.create_notification(p_org, r.user_id, r.channel, p_type, p_entity_table, p_entity_id,
         p_dedupe_key || ':' || r.user_id::text || ':' || r.channel, p_params) is not null then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end;
$$;
comment on function private.notify_rule_roles(uuid, public.member_role[], text, text, uuid, text, jsonb) is
  'notify_roles for rules: create_notification per member holding a role and channel, with template params (rule, count, title, body).';
revoke all on function private.notify_rule_roles(uuid, public.member_role[], text, text, uuid, text, jsonb) from public, anon, authenticated;

-- The running count of a suppression summary: re-render the rows of the
-- window not delivered yet (in_app rows, pending emails/pushes) with the new
-- count. A summary email already sent keeps the count it was sent with.
create function private.refresh_rule_summary(p_org uuid, p_dedupe_key text, p_params jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  r     record;
  v_tpl public.notification_templates;
begin
  for r in
    select n.id, n.type, coalesce(pr.language, 'fr') as lang
    from public.notifications n
    left join public.profiles pr on pr.id = n.user_id
    where n.org_id = p_org and starts_with(n.dedupe_key, p_dedupe_key || ':')
      and (n.channel = 'in_app' or n.delivery_status = 'pending')
  loop
    v_tpl := private.notification_template(r.type, r.lang);
    continue when v_tpl.type is null;
    update public.notifications n
    set title = left(btrim(private.render_template(v_tpl.title_template, p_params)), 200),
        body  = left(private.render_template(v_tpl.body_template, p_params), 4000)
    where n.id = r.id;
  end loop;
end;
$$;
revoke all on function private.refresh_rule_summary(uuid, text, jsonb) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- Ingestion
-- -----------------------------------------------------------------------------
create function private.ingest_event(
  p_org             uuid,
  p_api_key_id      uuid,
  p_source_event_id text,
  p_type            text,
  p_occurred_at     timestamptz,
  p_payload         jsonb
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event_id   uuid;
  v_existing   public.events%rowtype;
  v_rule       public.rules%rowtype;
  v_match      boolean;
  v_window     timestamptz;
  v_count      integer;
  v_suppressed integer;
  v_title      text;
  v_entity_tbl text;
  v_entity_id  uuid;
  v_fired      jsonb := '[]';
  v_skipped    jsonb := '[]';
  v_result     jsonb;
  v_dedupe     text;
  v_params     jsonb;
begin
  if p_org is null or p_source_event_id is null or p_type is null or p_occurred_at is null or p_payload is null then
    raise exception 'ingest_event needs an organization, a source event id, a type, occurred_at and a payload' using errcode = '22004';
  end if;
  if length(p_source_event_id) not between 1 and 200 then
    raise exception 'An event id is 1 to 200 characters' using errcode = '22023';
  end if;
  if length(p_type) not between 1 and 100 then
    raise exception 'An event type is 1 to 100 characters' using errcode = '22023';
  end if;
  if pg_catalog.jsonb_typeof(p_payload) <> 'object' then
    raise exception 'An event payload is a JSON object' using errcode = '22023';
  end if;
  if octet_length(p_payload::text) > 65536 then
    raise exception 'An event payload is at most 64 KiB' using errcode = '54000';
  end if;

  -- Idempotency: a concurrent insert of the same id waits here for the first
  -- transaction, then takes the duplicate branch.
  insert into public.events (org_id, api_key_id, source_event_id, type, occurred_at, payload)
  values (p_org, p_api_key_id, p_source_event_id, p_type, p_occurred_at, p_payload)
  on conflict (org_id, source_event_id) do nothing
  returning id into v_event_id;

  if v_event_id is null then
    select e.* into v_existing from public.events e
    where e.org_id = p_org and e.source_event_id = p_source_event_id;
    return coalesce(v_existing.result, jsonb_build_object('event_id', v_existing.id, 'fired', '[]'::jsonb, 'suppressed', '[]'::jsonb))
           || jsonb_build_object('duplicate', true);
  end if;

  for v_rule in
    select r.* from public.rules r
    where r.org_id = p_org and r.event_type = p_type and r.enabled
    order by r.created_at, r.id
  loop
    -- Only jsonb_path_match: the condition is data, never code. Missing paths
    -- and type mismatches are false (silent), not errors.
    begin
      v_match := coalesce(pg_catalog.jsonb_path_match(p_payload, v_rule.condition::jsonpath, '{}'::jsonb, true), false);
    exception when others then
      v_match := false;
    end;
    continue when not v_match;

    -- Lock the rule: concurrent events matching it count firings one at a time.
    select r.* into v_rule from public.rules r where r.id = v_rule.id and r.enabled for update;
    continue when v_rule.id is null;

    v_window := pg_catalog.date_bin(make_interval(secs => v_rule.per_seconds), now(), timestamptz '2000-01-01 00:00:00+00');
    select count(*) into v_count from public.rule_firings f
    where f.org_id = p_org and f.rule_id = v_rule.id and f.fired_at >= v_window and not f.suppressed;

    if v_count >= v_rule.max_firings then
      insert into public.rule_firings (org_id, rule_id, event_id, suppressed) values (p_org, v_rule.id, v_event_id, true);
      select count(*) into v_suppressed from public.rule_firings f
      where f.org_id = p_org and f.rule_id = v_rule.id and f.fired_at >= v_window and f.suppressed;
      -- One summary per rule and window (dedupe key); its body carries the running count.
      v_dedupe := 'rule_suppressed:' || v_rule.id::text || ':' || extract(epoch from v_window)::bigint::text;
      v_params := jsonb_build_object('rule', v_rule.name, 'count', v_suppressed,
        'title', format('Rule "%s" suppressed', v_rule.name),
        'body', format('%s firing(s) suppressed since %s (limit: %s per %s s).', v_suppressed,
                       to_char(v_window at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), v_rule.max_firings, v_rule.per_seconds));
      if v_suppressed = 1 then
        perform private.notify_rule_roles(p_org, '{owner,admin}', 'rule_suppressed_summary', 'public.rules', v_rule.id, v_dedupe, v_params);
      else
        perform private.refresh_rule_summary(p_org, v_dedupe, v_params);
      end if;
      v_skipped := v_skipped || to_jsonb(v_rule.id);
      continue;
    end if;

    v_title := coalesce(v_rule.action_params ->> 'title', v_rule.name);
    if v_rule.action = 'create_emergency' then
      insert into public.emergency_requests (org_id, client_id, site_id, severity, description, source, created_by)
      values (p_org, v_rule.client_id, v_rule.site_id, v_rule.severity,
              left(format('%s (event %s "%s" at %s)', v_title, p_type, p_source_event_id, p_occurred_at), 10000),
              'external', null)
      returning 'public.emergency_requests', id into v_entity_tbl, v_entity_id;
    elsif v_rule.action = 'create_client_request' then
      insert into public.client_requests (org_id, client_id, site_id, subject, description, created_by)
      values (p_org, v_rule.client_id, v_rule.site_id, left(v_title, 200),
              left(format('Created by rule "%s" from event %s "%s" at %s.', v_rule.name, p_type, p_source_event_id, p_occurred_at), 10000),
              null)
      returning 'public.client_requests', id into v_entity_tbl, v_entity_id;
    else
      perform private.notify_rule_roles(p_org,
        array(select r::public.member_role from pg_catalog.jsonb_array_elements_text(v_rule.action_params -> 'roles') r),
        'rule_fired', 'public.events', v_event_id, 'rule_fired:' || v_rule.id::text || ':' || v_event_id::text,
        jsonb_build_object('rule', v_rule.name, 'title', left(v_title, 200),
          'body', format('Event %s "%s" at %s.', p_type, p_source_event_id, p_occurred_at)));
      v_entity_tbl := 'public.events';
      v_entity_id := v_event_id;
    end if;

    insert into public.rule_firings (org_id, rule_id, event_id, suppressed, entity_table, entity_id)
    values (p_org, v_rule.id, v_event_id, false, v_entity_tbl, v_entity_id);
    perform private.log_app_event(p_org, 'rule_fired',
      case when v_rule.severity in ('high', 'critical') then 'critical' when v_rule.severity = 'medium' then 'warning' else 'info' end,
      'public.rules', v_rule.id,
      jsonb_build_object('event_id', v_event_id, 'source_event_id', p_source_event_id, 'event_type', p_type,
                         'action', v_rule.action, 'entity_table', v_entity_tbl, 'entity_id', v_entity_id));
    v_fired := v_fired || jsonb_build_object('rule_id', v_rule.id, 'action', v_rule.action,
                                             'entity_table', v_entity_tbl, 'entity_id', v_entity_id);
  end loop;

  v_result := jsonb_build_object('event_id', v_event_id, 'fired', v_fired, 'suppressed', v_skipped);
  update public.events e set processed_at = clock_timestamp(), result = v_result where e.id = v_event_id;
  return v_result || jsonb_build_object('duplicate', false);
end;
$$;
comment on function private.ingest_event(uuid, uuid, text, text, timestamptz, jsonb) is
  'Stores an external event once per (org, source_event_id) and applies the matching enabled rules (jsonb_path_match only), '
  'with per-rule suppression. Returns {event_id, duplicate, fired, suppressed}; a replay returns the first result with duplicate true. '
  'For the events edge function (service role), after private.authenticate_api_key.';
revoke all on function private.ingest_event(uuid, uuid, text, text, timestamptz, jsonb) from public, anon, authenticated;
grant execute on function private.ingest_event(uuid, uuid, text, text, timestamptz, jsonb) to service_role;
revoke all on function private.rules_validate() from public, anon, authenticated;
