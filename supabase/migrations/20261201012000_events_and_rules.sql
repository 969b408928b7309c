-- =============================================================================
-- Baseline: application events, external events and rules
-- (docs/design.md § Alerts and notifications).
--
-- public.app_events records what happened in the business tables (invoice
-- sent, emergency created, stock low, mission blocked, lock override);
-- external events arrive with an API key and public.rules match them with
-- SQL/JSON path predicates (jsonb_path_match, never eval), with suppression
-- beyond N firings per window.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- -----------------------------------------------------------------------------
-- Ingestion
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.ingest_event(p_org uuid, p_api_key_id uuid, p_source_event_id text, p_type text, p_occurred_at timestamp with time zone, p_payload jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
  v_fired      jsonb := '[]'::jsonb;
  v_skipped    jsonb := '[]'::jsonb;
  v_result     jsonb;
  v_dedupe     text;
  v_params     jsonb;
begin
  if p_org is null or p_source_event_id is null or p_type is null or p_occurred_at is null or p_payload is null then
    perform private.raise_api_error('missing_parameter', 'ingest_event needs an organization, a source event id, a type, occurred_at and a payload');
  end if;
  if length(p_source_event_id) not between 1 and 200 then
    perform private.raise_api_error('invalid_parameter', 'An event id is 1 to 200 characters');
  end if;
  if length(p_type) not between 1 and 100 then
    perform private.raise_api_error('invalid_parameter', 'An event type is 1 to 100 characters');
  end if;
  if pg_catalog.jsonb_typeof(p_payload) <> 'object' then
    perform private.raise_api_error('invalid_parameter', 'An event payload is a JSON object');
  end if;
  if octet_length(p_payload::text) > 65536 then
    perform private.raise_api_error('payload_too_large', 'An event payload is at most 64 KiB');
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

-- -----------------------------------------------------------------------------
-- private.log_app_event: validates and appends one event; returns its id.
-- SECURITY DEFINER: triggers on business tables run as the API user, who may
-- not insert into app_events.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.log_app_event(p_org uuid, p_type text, p_severity text, p_entity_table text, p_entity_id uuid, p_payload jsonb) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_id bigint;
begin
  if p_org is null or p_type is null then
    perform private.raise_api_error('missing_parameter', 'log_app_event needs an organization and a type');
  end if;
  if coalesce(p_severity, 'info') not in ('info', 'warning', 'critical') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown event severity "%s": use info, warning or critical', p_severity));
  end if;
  insert into public.app_events (org_id, type, severity, entity_table, entity_id, payload)
  values (p_org, p_type, coalesce(p_severity, 'info'), p_entity_table, p_entity_id, coalesce(p_payload, '{}'))
  returning id into v_id;
  return v_id;
end;
$$;

-- lock_override: every override of a locked row; the event is about the
-- overridden row, not the lock_overrides row.
CREATE FUNCTION private.log_lock_override() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.log_app_event(
    new.org_id, 'lock_override', 'warning', 'public.' || new.table_name, new.row_id,
    pg_catalog.jsonb_build_object('lock_override_id', new.id, 'actor', new.actor, 'reason', new.reason));
  return null;
end;
$$;

REVOKE ALL ON FUNCTION private.log_lock_override() FROM PUBLIC;

-- The other business events written by triggers are about the row itself
-- (public.<table>, its id): private.log_row_event() logs one, of the type and
-- severity given as the trigger's first two arguments, with a payload of the
-- columns the other arguments name, each `key` (the column of that name) or
-- `key=column`; an argument naming no column is an error (42703). The
-- trigger's event and WHEN clause say when it happens (see the triggers
-- emergency_requests_log_created, invoices_log_sent, missions_log_blocked).
CREATE FUNCTION private.log_row_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row     jsonb := pg_catalog.to_jsonb(new);
  v_payload jsonb := '{}'::jsonb;
  v_arg     text;
  v_column  text;
begin
  foreach v_arg in array tg_argv[2:] loop
    v_column := coalesce(nullif(pg_catalog.split_part(v_arg, '=', 2), ''), v_arg);
    if not v_row ? v_column then
      raise exception 'log_row_event on %.%: no column %', tg_table_schema, tg_table_name, v_column using errcode = '42703';
    end if;
    v_payload := v_payload || pg_catalog.jsonb_build_object(pg_catalog.split_part(v_arg, '=', 1), v_row -> v_column);
  end loop;
  perform private.log_app_event(new.org_id, tg_argv[0], tg_argv[1], tg_table_schema || '.' || tg_table_name, new.id, v_payload);
  return null;
end;
$$;

REVOKE ALL ON FUNCTION private.log_row_event() FROM PUBLIC;


-- -----------------------------------------------------------------------------
-- Notifications of rules: like private.notify_roles (same recipients, channels
-- and dedupe keys <key>:<user>:<channel>), but through
-- private.create_notification with the params the rule templates use
-- ({{rule}}, {{count}}, {{title}}, {{body}}), which notify_roles cannot pass.
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.notify_rule_roles(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

-- The running count of a suppression summary: re-render the rows of the
-- window not delivered yet (in_app rows, pending emails/pushes) with the new
-- count. A summary email already sent keeps the count it was sent with.
CREATE FUNCTION private.refresh_rule_summary(p_org uuid, p_dedupe_key text, p_params jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

-- Validation on save: the condition parses as a jsonpath predicate and the
-- action parameters fit the action. Runs before the generated columns are
-- computed, so a malformed client_id gets this message, not a cast error.
CREATE FUNCTION private.rules_validate() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
declare
  v_path    jsonpath;
  v_probe   jsonb;
  v_allowed text[];
  v_unknown text[];
  v_role    text;
begin
  if new.action is null or new.action not in ('create_emergency', 'create_client_request', 'notify_roles') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown rule action %s (create_emergency, create_client_request or notify_roles)', new.action));
  end if;
  -- 1. Syntax: the cast is the parser; nothing is executed.
  begin
    v_path := new.condition::jsonpath;
  exception when others then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Invalid rule condition: %s', sqlerrm));
  end;
  -- 2. A predicate: on an empty object it yields exactly one boolean (or
  --    unknown), whatever paths it names ($.a > 1 on {} is false). A plain path
  --    ($.a) yields no item, `$` yields an object: not predicates.
  begin
    perform pg_catalog.jsonb_path_match('{}'::jsonb, v_path, '{}'::jsonb, true);
    v_probe := pg_catalog.jsonb_path_query_array('{}'::jsonb, v_path, '{}'::jsonb, true);
  exception when others then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Invalid rule condition: %s', sqlerrm));
  end;
  if pg_catalog.jsonb_array_length(v_probe) <> 1
     or pg_catalog.jsonb_typeof(v_probe -> 0) not in ('boolean', 'null') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Invalid rule condition: %s is not a predicate (write a comparison or test, e.g. $.temperature > 90)', new.condition));
  end if;

  -- 3. Action parameters.
  v_allowed := case new.action
    when 'notify_roles' then array['roles', 'title']
    else array['client_id', 'site_id', 'title'] end;
  select pg_catalog.array_agg(k order by k) into v_unknown
  from pg_catalog.jsonb_object_keys(new.action_params) k
  where k <> all (v_allowed);
  if v_unknown is not null then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown action_params for %s: %s (allowed: %s)', new.action, pg_catalog.array_to_string(v_unknown, ', '), pg_catalog.array_to_string(v_allowed, ', ')));
  end if;
  if new.action_params ? 'title' and (pg_catalog.jsonb_typeof(new.action_params -> 'title') <> 'string'
       or length(btrim(new.action_params ->> 'title')) not between 1 and 200) then
    perform private.raise_api_error('invalid_parameter', 'action_params.title must be a string of 1 to 200 characters');
  end if;

  if new.action in ('create_emergency', 'create_client_request') then
    if pg_catalog.jsonb_typeof(new.action_params -> 'client_id') is distinct from 'string'
       or (new.action_params ->> 'client_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      perform private.raise_api_error('invalid_parameter', pg_catalog.format('Action %s needs action_params.client_id (a client uuid)', new.action));
    end if;
    if new.action_params ? 'site_id' and (pg_catalog.jsonb_typeof(new.action_params -> 'site_id') <> 'string'
       or (new.action_params ->> 'site_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') then
      perform private.raise_api_error('invalid_parameter', 'action_params.site_id must be a site uuid');
    end if;
    -- Ownership is proven by the composite foreign keys (rules_client_fkey,
    -- rules_site_fkey): a client or site of another organization is refused (23503).
  else
    if pg_catalog.jsonb_typeof(new.action_params -> 'roles') is distinct from 'array'
       or pg_catalog.jsonb_array_length(new.action_params -> 'roles') = 0 then
      perform private.raise_api_error('invalid_parameter', 'Action notify_roles needs action_params.roles (a non-empty array of roles)');
    end if;
    for v_role in select r from pg_catalog.jsonb_array_elements_text(new.action_params -> 'roles') r loop
      if v_role not in ('owner', 'admin', 'dispatcher', 'technician', 'accountant') then
        perform private.raise_api_error('invalid_parameter', pg_catalog.format('action_params.roles: %s is not a staff role (owner, admin, dispatcher, technician, accountant)', v_role));
      end if;
    end loop;
  end if;
  return new;
end;
$_$;

COMMENT ON FUNCTION private.rules_validate() IS 'Trigger: a rule''s condition must parse as a jsonpath predicate (Invalid rule condition: …, 22023) and its action_params fit its action.';

REVOKE ALL ON FUNCTION private.rules_validate() FROM PUBLIC;

-- -----------------------------------------------------------------------------
-- rules
-- -----------------------------------------------------------------------------
CREATE TABLE public.rules (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    name text NOT NULL,
    -- The event type the rule listens to (events.type).
    event_type text NOT NULL,
    -- An SQL/JSON path predicate over the event payload, e.g. `$.temperature > 90`.
    condition text NOT NULL,
    action text NOT NULL,
    -- create_emergency / create_client_request: {client_id, site_id?, title?};
    -- notify_roles: {roles: [...], title?}. Validated by private.rules_validate().
    action_params jsonb DEFAULT '{}'::jsonb NOT NULL,
    -- The severity of the emergency requests the rule creates (and of its app_events).
    severity public.emergency_severity DEFAULT 'high'::public.emergency_severity NOT NULL,
    max_firings integer DEFAULT 5 NOT NULL,
    per_seconds integer DEFAULT 3600 NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    created_by uuid DEFAULT auth.uid(),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    -- The client and site of request-creating actions, lifted out of action_params
    -- so that composite foreign keys prove they belong to the rule's organization.
    client_id uuid GENERATED ALWAYS AS (((action_params ->> 'client_id'::text))::uuid) STORED,
    site_id uuid GENERATED ALWAYS AS (((action_params ->> 'site_id'::text))::uuid) STORED,
    CONSTRAINT rules_action_check CHECK ((action = ANY (ARRAY['create_emergency'::text, 'create_client_request'::text, 'notify_roles'::text]))),
    CONSTRAINT rules_action_params_object CHECK ((jsonb_typeof(action_params) = 'object'::text)),
    CONSTRAINT rules_action_params_size CHECK ((octet_length((action_params)::text) <= 16384)),
    CONSTRAINT rules_condition_length CHECK (((length(btrim(condition)) >= 1) AND (length(btrim(condition)) <= 2000))),
    CONSTRAINT rules_event_type_length CHECK (((length(event_type) >= 1) AND (length(event_type) <= 100))),
    CONSTRAINT rules_max_firings_check CHECK (((max_firings >= 1) AND (max_firings <= 10000))),
    CONSTRAINT rules_name_length CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 100))),
    CONSTRAINT rules_per_seconds_check CHECK (((per_seconds >= 1) AND (per_seconds <= 604800)))
);

ALTER TABLE ONLY public.rules
    ADD CONSTRAINT rules_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.rules
    ADD CONSTRAINT rules_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.rules
    ADD CONSTRAINT rules_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.rules
    ADD CONSTRAINT rules_created_by_fkey FOREIGN KEY (created_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.rules
    ADD CONSTRAINT rules_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.rules
    ADD CONSTRAINT rules_site_fkey FOREIGN KEY (org_id, client_id, site_id) REFERENCES public.sites(org_id, client_id, id) ON DELETE CASCADE;

-- Foreign keys (client/site deletion, user deletion).
CREATE INDEX rules_client_idx ON public.rules USING btree (org_id, client_id) WHERE (client_id IS NOT NULL);

CREATE INDEX rules_created_by_idx ON public.rules USING btree (created_by) WHERE (created_by IS NOT NULL);

-- ingest_event: the enabled rules of an organization for one event type.
CREATE INDEX rules_org_event_type_idx ON public.rules USING btree (org_id, event_type) WHERE enabled;

-- RLS filter and the list of an organization's rules.
CREATE INDEX rules_org_id_created_at_idx ON public.rules USING btree (org_id, created_at DESC);

CREATE INDEX rules_site_idx ON public.rules USING btree (org_id, client_id, site_id) WHERE (site_id IS NOT NULL);

ALTER TABLE public.rules ENABLE ROW LEVEL SECURITY;

CREATE POLICY rules_delete ON public.rules FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY rules_select ON public.rules FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY rules_update ON public.rules FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

select audit.enable_for('public.rules');

CREATE TRIGGER rules_validate BEFORE INSERT OR UPDATE ON public.rules FOR EACH ROW EXECUTE FUNCTION private.rules_validate();

COMMENT ON TABLE public.rules IS 'Rules on external events: when an event of event_type matches condition (an SQL/JSON path predicate, evaluated with jsonb_path_match only), apply action; at most max_firings per fixed window of per_seconds. Owner/admin manage, dispatcher reads.';

COMMENT ON COLUMN public.rules.condition IS 'SQL/JSON path predicate over the event payload, e.g. $.temperature > 90 && $.site == "boiler-1". A missing path is false.';

COMMENT ON COLUMN public.rules.per_seconds IS 'Suppression window (seconds): fixed windows aligned on 2000-01-01 UTC; firings beyond max_firings in a window are suppressed.';

GRANT SELECT,DELETE ON TABLE public.rules TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rules TO service_role;

GRANT UPDATE(name) ON TABLE public.rules TO authenticated;

GRANT UPDATE(event_type) ON TABLE public.rules TO authenticated;

GRANT UPDATE(condition) ON TABLE public.rules TO authenticated;

GRANT UPDATE(action) ON TABLE public.rules TO authenticated;

GRANT UPDATE(action_params) ON TABLE public.rules TO authenticated;

GRANT UPDATE(severity) ON TABLE public.rules TO authenticated;

GRANT UPDATE(max_firings) ON TABLE public.rules TO authenticated;

GRANT UPDATE(per_seconds) ON TABLE public.rules TO authenticated;

GRANT UPDATE(enabled) ON TABLE public.rules TO authenticated;

-- -----------------------------------------------------------------------------
-- create_rule: the one way to create a rule through the API (owner, admin).
-- -----------------------------------------------------------------------------
CREATE FUNCTION public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity public.emergency_severity DEFAULT 'high'::public.emergency_severity, p_max_firings integer DEFAULT 5, p_per_seconds integer DEFAULT 3600, p_enabled boolean DEFAULT true) RETURNS public.rules
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_rule public.rules%rowtype;
begin
  if p_org_id is null or not (private.is_system_actor() or private.has_role_in(p_org_id, '{owner,admin}')) then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can create rules');
  end if;
  insert into public.rules (org_id, name, event_type, condition, action, action_params, severity, max_firings, per_seconds,
                            enabled, created_by)
  values (p_org_id, p_name, p_event_type, p_condition, p_action, coalesce(p_action_params, '{}'), coalesce(p_severity, 'high'),
          coalesce(p_max_firings, 5), coalesce(p_per_seconds, 3600), coalesce(p_enabled, true), auth.uid())
  returning * into v_rule;
  return v_rule;
end;
$$;

CREATE TABLE public.app_events (
    id bigint NOT NULL,
    org_id uuid NOT NULL,
    -- Machine-readable kind, e.g. 'invoice_sent', 'stock_low', 'notification_failed'.
    type text NOT NULL,
    severity text DEFAULT 'info'::text NOT NULL,
    -- What the event is about: schema-qualified table and row id.
    entity_table text,
    entity_id uuid,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT app_events_entity_pair CHECK (((entity_table IS NULL) = (entity_id IS NULL))),
    CONSTRAINT app_events_entity_table_format CHECK (((entity_table IS NULL) OR (entity_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'::text))),
    CONSTRAINT app_events_entity_table_length CHECK ((char_length(entity_table) <= 127)),
    CONSTRAINT app_events_payload_object CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT app_events_payload_size CHECK ((octet_length((payload)::text) <= 65536)),
    CONSTRAINT app_events_severity_check CHECK ((severity = ANY (ARRAY['info'::text, 'warning'::text, 'critical'::text]))),
    CONSTRAINT app_events_type_format CHECK (((type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'::text) AND (length(type) <= 100)))
);

ALTER TABLE public.app_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.app_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY public.app_events
    ADD CONSTRAINT app_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.app_events
    ADD CONSTRAINT app_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

-- The activity screen (an organization's events, newest first; also the RLS filter) and "events of this type".
CREATE INDEX app_events_org_created_idx ON public.app_events USING btree (org_id, created_at DESC);

CREATE INDEX app_events_org_type_idx ON public.app_events USING btree (org_id, type);

ALTER TABLE public.app_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY app_events_select ON public.app_events FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

COMMENT ON TABLE public.app_events IS 'Business event log (invoice_sent, emergency_created, stock_low, mission_blocked, lock_override, …) with a severity. Written by definer functions and triggers (private.log_app_event) and the service role; read by owner/admin/dispatcher.';

GRANT SELECT ON TABLE public.app_events TO authenticated;
GRANT SELECT,INSERT ON TABLE public.app_events TO service_role;

-- -----------------------------------------------------------------------------
-- events
-- -----------------------------------------------------------------------------
CREATE TABLE public.events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    -- The key that sent it (kept when the key is revoked; keys are never deleted).
    api_key_id uuid,
    -- The sender's id of the event: the idempotency key.
    source_event_id text NOT NULL,
    type text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed_at timestamp with time zone,
    -- What ingest_event answered the first time ({event_id, fired, suppressed}): replays return it.
    result jsonb,
    CONSTRAINT events_payload_object CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT events_payload_size CHECK ((octet_length((payload)::text) <= 65536)),
    CONSTRAINT events_source_event_id_length CHECK (((length(source_event_id) >= 1) AND (length(source_event_id) <= 200))),
    CONSTRAINT events_type_length CHECK (((length(type) >= 1) AND (length(type) <= 100)))
);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_org_source_event_id_key UNIQUE (org_id, source_event_id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_api_key_fkey FOREIGN KEY (org_id, api_key_id) REFERENCES public.api_keys(org_id, id) ON DELETE SET NULL (api_key_id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

CREATE INDEX events_api_key_idx ON public.events USING btree (org_id, api_key_id) WHERE (api_key_id IS NOT NULL);

-- RLS filter and the organization's event log, newest first.
CREATE INDEX events_org_id_received_at_idx ON public.events USING btree (org_id, received_at DESC);

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

CREATE POLICY events_select ON public.events FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

COMMENT ON TABLE public.events IS 'External events received with an API key (edge function events → private.ingest_event). Unique per (org, source_event_id): replays are no-ops. Payload: a JSON object of at most 64 KiB. Owner/admin/dispatcher read; only ingest_event writes.';

GRANT SELECT ON TABLE public.events TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.events TO service_role;

-- -----------------------------------------------------------------------------
-- rule_firings
-- -----------------------------------------------------------------------------
CREATE TABLE public.rule_firings (
    id bigint NOT NULL,
    org_id uuid NOT NULL,
    rule_id uuid NOT NULL,
    event_id uuid NOT NULL,
    fired_at timestamp with time zone DEFAULT now() NOT NULL,
    suppressed boolean DEFAULT false NOT NULL,
    -- What the firing created (null when suppressed, or for notify_roles: the event).
    entity_table text,
    entity_id uuid,
    CONSTRAINT rule_firings_entity_pair CHECK (((entity_table IS NULL) = (entity_id IS NULL))),
    CONSTRAINT rule_firings_entity_table_length CHECK ((char_length(entity_table) <= 127))
);

ALTER TABLE public.rule_firings ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rule_firings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY public.rule_firings
    ADD CONSTRAINT rule_firings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.rule_firings
    ADD CONSTRAINT rule_firings_event_fkey FOREIGN KEY (org_id, event_id) REFERENCES public.events(org_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.rule_firings
    ADD CONSTRAINT rule_firings_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.rule_firings
    ADD CONSTRAINT rule_firings_rule_fkey FOREIGN KEY (org_id, rule_id) REFERENCES public.rules(org_id, id) ON DELETE CASCADE;

CREATE INDEX rule_firings_event_idx ON public.rule_firings USING btree (org_id, event_id);

-- The suppression count (rule, window) and the FK to rules.
CREATE INDEX rule_firings_rule_fired_at_idx ON public.rule_firings USING btree (org_id, rule_id, fired_at);

ALTER TABLE public.rule_firings ENABLE ROW LEVEL SECURITY;

CREATE POLICY rule_firings_select ON public.rule_firings FOR SELECT TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

COMMENT ON TABLE public.rule_firings IS 'One row per rule matching an event: fired (the action ran) or suppressed (over max_firings in the window). Written by ingest_event.';

GRANT SELECT ON TABLE public.rule_firings TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rule_firings TO service_role;

COMMENT ON FUNCTION private.ingest_event(p_org uuid, p_api_key_id uuid, p_source_event_id text, p_type text, p_occurred_at timestamp with time zone, p_payload jsonb) IS 'Stores an external event once per (org, source_event_id) and applies the matching enabled rules (jsonb_path_match only), with per-rule suppression. Returns {event_id, duplicate, fired, suppressed}; a replay returns the first result with duplicate true. For the events edge function (service role), after private.authenticate_api_key.';

COMMENT ON FUNCTION private.log_app_event(p_org uuid, p_type text, p_severity text, p_entity_table text, p_entity_id uuid, p_payload jsonb) IS 'Appends one business event (severity info/warning/critical) and returns its id. Internal: definer functions, triggers, service_role.';

COMMENT ON FUNCTION private.notify_rule_roles(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) IS 'notify_roles for rules: create_notification per member holding a role and channel, with template params (rule, count, title, body).';

COMMENT ON FUNCTION public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity public.emergency_severity, p_max_firings integer, p_per_seconds integer, p_enabled boolean) IS 'RPC (owner, admin): creates a rule on external events. The condition must be a jsonpath predicate (Invalid rule condition: …, 22023); client_id/site_id must belong to the organization (23503). Audited.';

-- emergency_created: every new emergency request is critical news.
CREATE TRIGGER emergency_requests_log_created AFTER INSERT ON public.emergency_requests FOR EACH ROW EXECUTE FUNCTION private.log_row_event('emergency_created', 'critical', 'client_id', 'site_id', 'severity', 'source');

-- invoice_sent: sent_at goes from null to a time (send_invoice).
CREATE TRIGGER invoices_log_sent AFTER UPDATE OF sent_at ON public.invoices FOR EACH ROW WHEN (((old.sent_at IS NULL) AND (new.sent_at IS NOT NULL))) EXECUTE FUNCTION private.log_row_event('invoice_sent', 'info', 'number', 'client_id', 'kind', 'total_ttc_cents', 'due_date');

CREATE TRIGGER lock_overrides_log AFTER INSERT ON public.lock_overrides FOR EACH ROW EXECUTE FUNCTION private.log_lock_override();

-- mission_blocked: the status becomes blocked.
CREATE TRIGGER missions_log_blocked AFTER UPDATE OF status ON public.missions FOR EACH ROW WHEN (((new.status = 'blocked'::public.mission_status) AND (old.status IS DISTINCT FROM 'blocked'::public.mission_status))) EXECUTE FUNCTION private.log_row_event('mission_blocked', 'warning', 'title', 'reason=blocked_reason', 'technician_id');

REVOKE ALL ON FUNCTION private.ingest_event(p_org uuid, p_api_key_id uuid, p_source_event_id text, p_type text, p_occurred_at timestamp with time zone, p_payload jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.ingest_event(p_org uuid, p_api_key_id uuid, p_source_event_id text, p_type text, p_occurred_at timestamp with time zone, p_payload jsonb) TO service_role;

REVOKE ALL ON FUNCTION private.log_app_event(p_org uuid, p_type text, p_severity text, p_entity_table text, p_entity_id uuid, p_payload jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.log_app_event(p_org uuid, p_type text, p_severity text, p_entity_table text, p_entity_id uuid, p_payload jsonb) TO service_role;

REVOKE ALL ON FUNCTION private.notify_rule_roles(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.refresh_rule_summary(p_org uuid, p_dedupe_key text, p_params jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity public.emergency_severity, p_max_firings integer, p_per_seconds integer, p_enabled boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity public.emergency_severity, p_max_firings integer, p_per_seconds integer, p_enabled boolean) TO authenticated;
GRANT ALL ON FUNCTION public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity public.emergency_severity, p_max_firings integer, p_per_seconds integer, p_enabled boolean) TO service_role;

