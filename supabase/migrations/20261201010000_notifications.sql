-- =============================================================================
-- Baseline: notifications — in-app, email and push, templates, preferences,
-- unsubscribe tokens, push subscriptions and the delivery queue
-- (docs/design.md § Alerts and notifications).
--
-- Rows are written by the database (alerts, rules, security events) and
-- delivered by the edge functions, which claim them from the queue with
-- retries and backoff; pg_cron wakes them and purges old rows.
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

-- The bytes of a base64url string (padding optional), or null when it is not one.
CREATE FUNCTION private.base64url_bytes(p_text text) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
declare
  v text := pg_catalog.rtrim(p_text, '=');
begin
  if v is null or v !~ '^[A-Za-z0-9_-]*$' or pg_catalog.length(v) % 4 = 1 then
    return null;
  end if;
  v := pg_catalog.translate(v, '-_', '+/');
  return pg_catalog.decode(v || pg_catalog.repeat('=', (4 - pg_catalog.length(v) % 4) % 4), 'base64');
end;
$_$;

CREATE FUNCTION private.create_notification(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb DEFAULT '{}'::jsonb) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select r.id from private.create_notification_row(p_org, p_user, p_channel, p_type, p_entity_table, p_entity_id,
                                                   p_dedupe_key, p_params) r
$$;

-- -----------------------------------------------------------------------------
-- create_notification (the shared contract)
-- -----------------------------------------------------------------------------
-- Internal form: also says whether the row was written now (notify_roles counts those).
CREATE FUNCTION private.create_notification_row(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb, OUT id uuid, OUT created boolean) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
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

-- A user's token: issued when an email is built (the sender, service_role),
-- returned once; the database keeps its hash only.
CREATE FUNCTION private.issue_unsubscribe_token(p_user uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_token text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  if not exists (select from public.profiles p where p.id = p_user) then
    perform private.raise_api_error('not_found', pg_catalog.format('unknown user %s', p_user));
  end if;
  insert into public.unsubscribe_tokens (token_hash, user_id)
  values (encode(extensions.digest(v_token, 'sha256'), 'hex'), p_user);
  return v_token;
end;
$$;

-- Effective preference: exact type row, else '*' row (ignored for critical
-- types: unsubscribing from everything keeps security and emergency emails),
-- else enabled. in_app of a critical type is always enabled.
CREATE FUNCTION private.notification_enabled(p_org uuid, p_user uuid, p_type text, p_channel text) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

CREATE FUNCTION private.notification_is_critical(p_type text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce((select bool_or(t.critical) from public.notification_templates t
                   where t.type in (p_type, regexp_replace(p_type, '^.*\.', ''))), false)
$$;

-- -----------------------------------------------------------------------------
-- private.notify_roles: one in_app row (sent) and one email row (pending) for
-- every member of the organization holding one of the roles. Returns the
-- number of rows written (rows already there by dedupe key are not counted).
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.notify_roles(p_org uuid, p_roles public.member_role[], p_type text, p_title text, p_body text, p_entity_table text, p_entity_id uuid, p_dedupe_key text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_org is null or p_roles is null or p_type is null or p_title is null then
    raise exception 'notify_roles needs an organization, roles, a type and a title' using errcode = '22004';
  end if;
  return private.notify_roles_with_params(p_org, p_roles, p_type, p_entity_table, p_entity_id, p_dedupe_key,
                                          jsonb_strip_nulls(jsonb_build_object('title', p_title, 'body', p_body)));
end;
$$;

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
CREATE FUNCTION private.notify_roles_with_params(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

-- -----------------------------------------------------------------------------
-- Housekeeping used by the pg_cron jobs scheduled at the end of this file
-- -----------------------------------------------------------------------------
-- Retention: read in-app rows after 90 days; delivered or failed email/push rows
-- after 30 days. Unread in-app rows and pending rows are kept.
CREATE FUNCTION private.purge_notifications() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION private.purge_notifications() IS 'Deletes read in_app notifications older than 90 days, sent/failed email and push rows older than 30 days, unsubscribe tokens older than a year. Unread and pending rows stay. pg_cron daily.';

REVOKE ALL ON FUNCTION private.purge_notifications() FROM PUBLIC;
GRANT ALL ON FUNCTION private.purge_notifications() TO service_role;

-- {{name}} → params->>name, one left-to-right pass (a value containing
-- "{{x}}" is never expanded again). Missing param: the placeholder stays.
CREATE FUNCTION private.render_template(p_template text, p_params jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
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

-- Due rows (pending, next_attempt_at passed — including expired leases of a
-- crashed sender) per channel; NOTIFY terrain_deliveries with the counts so a
-- listening sender (local stack) starts a round. Returns the number due.
CREATE FUNCTION private.signal_due_notifications() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION private.signal_due_notifications() IS 'Counts due pending email/push rows (expired leases included) and NOTIFYs terrain_deliveries with {channel: count}. pg_cron every minute.';

REVOKE ALL ON FUNCTION private.signal_due_notifications() FROM PUBLIC;
GRANT ALL ON FUNCTION private.signal_due_notifications() TO service_role;

CREATE FUNCTION private.template_params_missing(p_template text, p_params jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select exists (select from regexp_matches(p_template, '\{\{([a-z_][a-z0-9_]*)\}\}', 'g') m
                 where not (coalesce(p_params, '{}'::jsonb) ? m[1]))
$$;

CREATE FUNCTION public.delete_push_subscription(p_endpoint text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with d as (delete from public.push_subscriptions s where s.endpoint = p_endpoint and s.user_id = (select auth.uid()) returning 1)
  select exists (select from d)
$$;

CREATE FUNCTION public.mark_all_notifications_read() RETURNS integer
    LANGUAGE sql
    SET search_path TO ''
    AS $$
  with u as (
    update public.notifications n set read_at = now()
    where n.user_id = (select auth.uid()) and n.channel = 'in_app' and n.read_at is null
    returning 1)
  select count(*)::integer from u
$$;

COMMENT ON FUNCTION public.mark_all_notifications_read() IS 'RPC: marks all the caller''s unread in-app notifications read; returns how many.';

REVOKE ALL ON FUNCTION public.mark_all_notifications_read() FROM PUBLIC;
GRANT ALL ON FUNCTION public.mark_all_notifications_read() TO authenticated;

-- Security invoker: the column grant on read_at and the own-rows policy apply.
CREATE FUNCTION public.mark_notification_read(p_id uuid) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_read_at timestamptz;
begin
  update public.notifications n set read_at = coalesce(n.read_at, now())
  where n.id = p_id and n.user_id = (select auth.uid())
  returning n.read_at into v_read_at;
  if v_read_at is null then
    perform private.raise_api_error('not_found', pg_catalog.format('notification %s not found', p_id));
  end if;
  return v_read_at;
end;
$$;

CREATE FUNCTION public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_user uuid := auth.uid();
  v_p256dh text := pg_catalog.rtrim(p_p256dh, '=');
  v_auth text := pg_catalog.rtrim(p_auth, '=');
  v_key bytea := private.base64url_bytes(p_p256dh);
  v_existing public.push_subscriptions%rowtype;
  v_shared_orgs uuid[];
  v_org uuid;
begin
  if v_user is null then
    perform private.raise_api_error('sign_in_required', 'sign in to register a push subscription');
  end if;
  if p_endpoint is null or p_endpoint !~ '^https://[^/?#@\s]+/\S*$' or pg_catalog.length(p_endpoint) > 1024 then
    perform private.raise_api_error('invalid_parameter', 'A push endpoint is an https:// URL of at most 1024 characters');
  end if;
  if v_key is null or pg_catalog.length(v_key) <> 65 or pg_catalog.get_byte(v_key, 0) <> 4 then
    perform private.raise_api_error('invalid_parameter',
      'p256dh must be the base64url of an uncompressed P-256 public key (65 bytes starting with 0x04)');
  end if;
  if pg_catalog.length(coalesce(private.base64url_bytes(p_auth), '')) <> 16 then
    perform private.raise_api_error('invalid_parameter', 'auth must be the base64url of a 16-byte secret');
  end if;

  select s.* into v_existing from public.push_subscriptions s where s.endpoint = p_endpoint for update;

  if not found then
    insert into public.push_subscriptions (user_id, endpoint, p256dh, auth)
    values (v_user, p_endpoint, v_p256dh, v_auth)
    -- A concurrent first registration of the same endpoint: the loser gets a
    -- unique violation (23505) rather than silently taking it over.
    returning id into v_existing.id;
    return v_existing.id;
  end if;

  if v_existing.user_id = v_user then
    update public.push_subscriptions s
    set p256dh = v_p256dh, auth = v_auth, last_seen_at = pg_catalog.now()
    where s.id = v_existing.id;
    return v_existing.id;
  end if;

  -- Another user's device. The same answer whichever check fails: the caller
  -- learns nothing about whom the endpoint belongs to.
  select pg_catalog.array_agg(mine.org_id order by mine.org_id) into v_shared_orgs
  from public.memberships mine
  join public.memberships theirs on theirs.org_id = mine.org_id and theirs.user_id = v_existing.user_id
  where mine.user_id = v_user;
  if pg_catalog.rtrim(v_existing.p256dh, '=') <> v_p256dh or pg_catalog.rtrim(v_existing.auth, '=') <> v_auth
     or v_shared_orgs is null then
    perform private.raise_api_error('forbidden_role', 'This push endpoint is registered to another user',
      null, 'A device moves to another user only from the browser that subscribed (same keys), within one organization.');
  end if;

  update public.push_subscriptions s
  set user_id = v_user, last_seen_at = pg_catalog.now()
  where s.id = v_existing.id;
  foreach v_org in array v_shared_orgs loop
    perform audit.append(v_org, 'push_subscription_moved', 'public.push_subscriptions', v_existing.id::text,
                         pg_catalog.jsonb_build_object('user_id',
                           pg_catalog.jsonb_build_object('old', v_existing.user_id, 'new', v_user)),
                         'Re-registered by another member on the same device (same keys).');
  end loop;
  return v_existing.id;
end;
$_$;

CREATE FUNCTION public.unread_notification_count() RETURNS integer
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select count(*)::integer from public.notifications n
  where n.user_id = (select auth.uid()) and n.channel = 'in_app' and n.read_at is null
$$;

COMMENT ON FUNCTION public.unread_notification_count() IS 'RPC: number of the caller''s unread in-app notifications (all organizations).';

REVOKE ALL ON FUNCTION public.unread_notification_count() FROM PUBLIC;
GRANT ALL ON FUNCTION public.unread_notification_count() TO authenticated;

-- anon: the link is opened from a mail client, signed out. The token is the credential.
CREATE FUNCTION public.unsubscribe(p_token text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_user  uuid;
  v_count integer;
begin
  if p_token is null or p_token !~ '^[0-9a-f]{64}$' then
    perform private.raise_api_error('invalid_parameter', 'invalid unsubscribe token');
  end if;
  select t.user_id into v_user from public.unsubscribe_tokens t
  where t.token_hash = encode(extensions.digest(p_token, 'sha256'), 'hex');
  if v_user is null then
    perform private.raise_api_error('invalid_parameter', 'invalid unsubscribe token');
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
$_$;

-- -----------------------------------------------------------------------------
-- Templates (reference data, rendered server-side only)
-- -----------------------------------------------------------------------------
CREATE TABLE public.notification_templates (
    type text NOT NULL,
    language text NOT NULL,
    title_template text NOT NULL,
    body_template text NOT NULL,
    critical boolean DEFAULT false NOT NULL,
    CONSTRAINT notification_templates_body_template_check CHECK ((length(body_template) <= 4000)),
    CONSTRAINT notification_templates_language_check CHECK ((language = ANY (ARRAY['fr'::text, 'en'::text]))),
    CONSTRAINT notification_templates_title_template_check CHECK (((length(btrim(title_template)) >= 1) AND (length(btrim(title_template)) <= 200))),
    CONSTRAINT notification_templates_type_check CHECK ((type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'::text)),
    CONSTRAINT notification_templates_type_length CHECK ((char_length(type) <= 100))
);

ALTER TABLE ONLY public.notification_templates
    ADD CONSTRAINT notification_templates_pkey PRIMARY KEY (type, language);

ALTER TABLE public.notification_templates ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE public.notification_templates IS 'Title and body of each notification type per language, with {{param}} placeholders (plain substitution, never evaluated). critical: in_app cannot be disabled and unsubscribe does not silence the emails. Read only by private.create_notification.';

INSERT INTO public.notification_templates (type, language, title_template, body_template, critical) VALUES
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

-- The template row of a type in a language: exact type, else its last dotted segment.
CREATE FUNCTION private.notification_template(p_type text, p_language text) RETURNS public.notification_templates
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select t.* from public.notification_templates t
  where t.language = p_language
    and t.type in (p_type, regexp_replace(p_type, '^.*\.', ''))
  order by (t.type = p_type) desc
  limit 1
$$;

CREATE TABLE public.notifications (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    user_id uuid NOT NULL,
    channel text NOT NULL,
    -- Machine-readable kind, e.g. 'security.api_key_created', 'alert.emergency_pending'.
    type text NOT NULL,
    title text NOT NULL,
    body text,
    -- What the notification is about (a link in the app): schema-qualified table and row id.
    entity_table text,
    entity_id uuid,
    dedupe_key text,
    delivery_status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone,
    last_error text,
    sent_at timestamp with time zone,
    read_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT notifications_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT notifications_body_length CHECK (((body IS NULL) OR (length(body) <= 4000))),
    CONSTRAINT notifications_channel_check CHECK ((channel = ANY (ARRAY['in_app'::text, 'email'::text, 'push'::text]))),
    CONSTRAINT notifications_dedupe_key_length CHECK (((dedupe_key IS NULL) OR ((length(dedupe_key) >= 1) AND (length(dedupe_key) <= 300)))),
    CONSTRAINT notifications_delivery_status_check CHECK ((delivery_status = ANY (ARRAY['pending'::text, 'sent'::text, 'failed'::text]))),
    CONSTRAINT notifications_entity_pair CHECK (((entity_table IS NULL) = (entity_id IS NULL))),
    CONSTRAINT notifications_entity_table_format CHECK (((entity_table IS NULL) OR (entity_table ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'::text))),
    CONSTRAINT notifications_entity_table_length CHECK ((char_length(entity_table) <= 127)),
    CONSTRAINT notifications_in_app_is_sent CHECK (((channel <> 'in_app'::text) OR (delivery_status = 'sent'::text))),
    CONSTRAINT notifications_last_error_length CHECK ((char_length(last_error) <= 2000)),
    CONSTRAINT notifications_sent_has_time CHECK (((delivery_status = 'sent'::text) = (sent_at IS NOT NULL))),
    CONSTRAINT notifications_title_length CHECK (((length(btrim(title)) >= 1) AND (length(btrim(title)) <= 200))),
    CONSTRAINT notifications_type_format CHECK (((type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'::text) AND (length(type) <= 100)))
);

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_org_dedupe_key UNIQUE (org_id, dedupe_key);

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_recipient_fkey FOREIGN KEY (org_id, user_id) REFERENCES public.memberships(org_id, user_id) ON DELETE CASCADE;

-- The sender's queue: pending rows by channel, oldest due first.
CREATE INDEX notifications_pending_idx ON public.notifications USING btree (channel, next_attempt_at) WHERE (delivery_status = 'pending'::text);

-- notifications (org_id, user_id) → memberships ON DELETE CASCADE: removing a
-- member deletes their notifications of that organization. The existing
-- (user_id, created_at desc) index serves the inbox, not this key.
CREATE INDEX notifications_recipient_idx ON public.notifications USING btree (org_id, user_id);

-- -----------------------------------------------------------------------------
-- The user's side
-- -----------------------------------------------------------------------------
-- Unread in-app notifications of a user (the badge).
CREATE INDEX notifications_unread_in_app_idx ON public.notifications USING btree (user_id) WHERE ((channel = 'in_app'::text) AND (read_at IS NULL));

-- The RLS filter (user_id = auth.uid()) and a user's list, newest first. Also
-- serves the cascade from memberships (org_id, user_id): user_id is selective.
CREATE INDEX notifications_user_id_created_at_idx ON public.notifications USING btree (user_id, created_at DESC);

ALTER TABLE public.notifications ENABLE ROW LEVEL SECURITY;

-- Own rows only, for every role. `to authenticated`: anon never reaches the policy.
CREATE POLICY notifications_select_own ON public.notifications FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

CREATE POLICY notifications_update_own ON public.notifications FOR UPDATE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid))) WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));

COMMENT ON TABLE public.notifications IS 'One notification per recipient and channel (in_app rows are sent on creation; email/push rows start pending and are delivered by a sender). Members read their own rows and may set read_at; rows are written by definer functions and the service role.';

COMMENT ON COLUMN public.notifications.dedupe_key IS 'Unique per organization. private.notify_roles stores <caller key>:<user id>:<channel>, so a repeated notification is written once.';

COMMENT ON COLUMN public.notifications.next_attempt_at IS 'When a pending row is next due for a delivery attempt (null: now).';

GRANT SELECT ON TABLE public.notifications TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.notifications TO service_role;

GRANT UPDATE(read_at) ON TABLE public.notifications TO authenticated;

-- -----------------------------------------------------------------------------
-- The sender's side (service_role: edge functions)
-- -----------------------------------------------------------------------------
CREATE FUNCTION public.claim_pending_notifications(p_channel text, p_limit integer DEFAULT 50) RETURNS SETOF public.notifications
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if p_channel is null or p_channel not in ('email', 'push') then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('claim_pending_notifications: channel must be email or push, got %s', p_channel));
  end if;
  if p_limit is null or p_limit not between 1 and 500 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('claim_pending_notifications: limit must be between 1 and 500, got %s', p_limit));
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

-- Definer: logs an app_event through private.log_app_event, which the API
-- roles may not call (events_and_rules baseline).
CREATE FUNCTION public.mark_notification_failed(p_id uuid, p_error text) RETURNS public.notifications
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  c_max_attempts constant integer := 5;
  v_row public.notifications;
begin
  select * into v_row from public.notifications n where n.id = p_id for update;
  if v_row.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('notification %s not found', p_id));
  end if;
  if v_row.delivery_status <> 'pending' then
    perform private.raise_api_error('invalid_state', pg_catalog.format('notification %s is %s and cannot be marked failed', p_id, v_row.delivery_status));
  end if;
  if v_row.attempts >= c_max_attempts then
    update public.notifications n
    set delivery_status = 'failed', next_attempt_at = null, last_error = left(p_error, 2000)
    where n.id = p_id
    returning * into v_row;
    -- Dynamic: private.log_app_event belongs to the events_and_rules baseline, applied after this one.
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
$_$;

CREATE FUNCTION public.mark_notification_sent(p_id uuid) RETURNS public.notifications
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.notifications;
begin
  select * into v_row from public.notifications n where n.id = p_id for update;
  if v_row.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('notification %s not found', p_id));
  end if;
  if v_row.delivery_status = 'sent' then
    return v_row;  -- a repeated report changes nothing
  end if;
  if v_row.delivery_status = 'failed' then
    perform private.raise_api_error('invalid_state', pg_catalog.format('notification %s has failed for good and cannot be marked sent', p_id));
  end if;
  update public.notifications n
  set delivery_status = 'sent', sent_at = now(), next_attempt_at = null, last_error = null
  where n.id = p_id
  returning * into v_row;
  return v_row;
end;
$$;

-- -----------------------------------------------------------------------------
-- Preferences
-- -----------------------------------------------------------------------------
CREATE TABLE public.notification_preferences (
    org_id uuid NOT NULL,
    user_id uuid NOT NULL,
    -- A notification type, or '*' for every type.
    type text NOT NULL,
    channel text NOT NULL,
    enabled boolean NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT notification_preferences_channel_check CHECK ((channel = ANY (ARRAY['in_app'::text, 'email'::text, 'push'::text]))),
    CONSTRAINT notification_preferences_type_check CHECK (((type = '*'::text) OR ((type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'::text) AND (length(type) <= 100))))
);

ALTER TABLE ONLY public.notification_preferences
    ADD CONSTRAINT notification_preferences_pkey PRIMARY KEY (org_id, user_id, type, channel);

ALTER TABLE ONLY public.notification_preferences
    ADD CONSTRAINT notification_preferences_member_fkey FOREIGN KEY (org_id, user_id) REFERENCES public.memberships(org_id, user_id) ON DELETE CASCADE;

-- The RLS filter (user_id = auth.uid()).
CREATE INDEX notification_preferences_user_id_idx ON public.notification_preferences USING btree (user_id);

ALTER TABLE public.notification_preferences ENABLE ROW LEVEL SECURITY;

CREATE POLICY notification_preferences_select_own ON public.notification_preferences FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

select audit.enable_for('public.notification_preferences');

COMMENT ON TABLE public.notification_preferences IS 'Per user, organization, type (or * for all) and channel: enabled or not. Absent = enabled; the exact type wins over *. Read own rows; written through public.set_notification_preference and public.unsubscribe.';

GRANT SELECT ON TABLE public.notification_preferences TO authenticated;
GRANT SELECT ON TABLE public.notification_preferences TO service_role;

CREATE FUNCTION public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean) RETURNS public.notification_preferences
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.notification_preferences;
begin
  if (select auth.uid()) is null then
    perform private.raise_api_error('sign_in_required', 'sign in to change notification preferences');
  end if;
  if p_org is null or p_type is null or p_channel is null or p_enabled is null then
    perform private.raise_api_error('missing_parameter', 'organization, type, channel and enabled are required');
  end if;
  if not exists (select from public.memberships m where m.org_id = p_org and m.user_id = (select auth.uid())) then
    perform private.raise_api_error('forbidden_role', pg_catalog.format('not a member of organization %s', p_org));
  end if;
  if p_channel = 'in_app' and not p_enabled and p_type <> '*' and private.notification_is_critical(p_type) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('in-app notifications of critical type %s cannot be disabled', p_type));
  end if;
  insert into public.notification_preferences (org_id, user_id, type, channel, enabled)
  values (p_org, (select auth.uid()), p_type, p_channel, p_enabled)
  on conflict (org_id, user_id, type, channel) do update set enabled = excluded.enabled, updated_at = now()
  returning * into v_row;
  return v_row;
end;
$$;

-- -----------------------------------------------------------------------------
-- Push subscriptions (Web Push endpoints, read by the push sender)
-- -----------------------------------------------------------------------------
CREATE TABLE public.push_subscriptions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    endpoint text NOT NULL,
    p256dh text NOT NULL,
    auth text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT push_subscriptions_auth_check CHECK (((length(auth) >= 1) AND (length(auth) <= 100))),
    CONSTRAINT push_subscriptions_endpoint_check CHECK (((endpoint ~ '^https://'::text) AND (length(endpoint) <= 2000))),
    CONSTRAINT push_subscriptions_p256dh_check CHECK (((length(p256dh) >= 1) AND (length(p256dh) <= 200)))
);

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_endpoint_key UNIQUE (endpoint);

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

CREATE INDEX push_subscriptions_user_id_idx ON public.push_subscriptions USING btree (user_id);

ALTER TABLE public.push_subscriptions ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE public.push_subscriptions IS 'Web Push subscriptions, one per device (endpoint). Closed to the API: written through register/delete_push_subscription, read by the push sender (definer function, later issue). A user with one gets push notifications from notify_roles.';

-- -----------------------------------------------------------------------------
-- Unsubscribe (link in every email): token stored as sha256, per user.
-- -----------------------------------------------------------------------------
CREATE TABLE public.unsubscribe_tokens (
    token_hash text NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT unsubscribe_tokens_token_hash_check CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY public.unsubscribe_tokens
    ADD CONSTRAINT unsubscribe_tokens_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY public.unsubscribe_tokens
    ADD CONSTRAINT unsubscribe_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

CREATE INDEX unsubscribe_tokens_user_id_idx ON public.unsubscribe_tokens USING btree (user_id);

ALTER TABLE public.unsubscribe_tokens ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE public.unsubscribe_tokens IS 'sha256 (hex) of the unsubscribe tokens put in emails, per user. Closed to the API: issued by private.issue_unsubscribe_token, checked by public.unsubscribe.';

COMMENT ON FUNCTION private.base64url_bytes(p_text text) IS 'Decodes base64url (RFC 4648 §5, padding optional); null for anything else.';

COMMENT ON FUNCTION private.create_notification(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) IS 'Writes one notification rendered from the template of its type in the user''s language ({{param}} from p_params; no template: params title/body). Same org + dedupe key: returns the existing id, writes nothing. Disabled by the user''s preferences: returns null. in_app rows are sent at once, email/push rows pending and due now.';

COMMENT ON FUNCTION private.create_notification_row(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb, OUT id uuid, OUT created boolean) IS 'create_notification, also returning whether the row was written by this call (false: deduplicated or disabled).';

COMMENT ON FUNCTION private.issue_unsubscribe_token(p_user uuid) IS 'Issues an unsubscribe token for a user (returned once, stored as sha256).';

COMMENT ON FUNCTION private.notification_enabled(p_org uuid, p_user uuid, p_type text, p_channel text) IS 'Effective preference: the type (full, else its last dotted segment), else * (not for critical types), else enabled; in_app of a critical type is always on.';

COMMENT ON FUNCTION private.notification_is_critical(p_type text) IS 'True for critical types (emergencies, critical stock, escalations, API-key security alerts): in_app always on, no unsubscribe.';

COMMENT ON FUNCTION private.notification_template(p_type text, p_language text) IS 'Template of a notification type (exact, else last dotted segment) in a language; definer: the table is closed to API roles.';

COMMENT ON FUNCTION private.notify_roles(p_org uuid, p_roles public.member_role[], p_type text, p_title text, p_body text, p_entity_table text, p_entity_id uuid, p_dedupe_key text) IS 'Notifies every member of the organization holding one of the roles (notify_roles_with_params with params title/body): in_app (sent), email (pending), push (pending, users with a push subscription), deduplicated on <dedupe key>:<user>:<channel>, preferences honoured. Returns the number of rows written. Internal: called by definer functions and jobs.';

COMMENT ON FUNCTION private.notify_roles_with_params(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) IS 'Notifies every member holding one of the roles (owners included whenever admin is listed) through create_notification with template params: in_app, email, push (users with a push subscription), deduplicated on <dedupe key>:<user>:<channel>, preferences honoured. Returns rows written.';

COMMENT ON FUNCTION private.render_template(p_template text, p_params jsonb) IS 'Replaces {{name}} by params->>name in one pass (no evaluation, no re-expansion); a missing param leaves {{name}} visible.';

COMMENT ON FUNCTION private.template_params_missing(p_template text, p_params jsonb) IS 'True when a {{name}} of the template has no value in params.';

COMMENT ON FUNCTION public.claim_pending_notifications(p_channel text, p_limit integer) IS 'RPC (service_role): hands up to p_limit due pending rows of a channel to a sender, each exactly once (SKIP LOCKED); counts the attempt and leases the row for 5 minutes. Report with mark_notification_sent / mark_notification_failed.';

COMMENT ON FUNCTION public.delete_push_subscription(p_endpoint text) IS 'RPC (signed-in user): removes one of the caller''s push subscriptions.';

COMMENT ON FUNCTION public.mark_notification_failed(p_id uuid, p_error text) IS 'RPC (service_role): a delivery attempt failed. Retried after 1 min × 2^(attempts-1) (max 6 h); after 5 attempts the row is failed for good and an app_event notification_failed (warning) is logged. 55000 if the row is not pending.';

COMMENT ON FUNCTION public.mark_notification_read(p_id uuid) IS 'RPC: marks one of the caller''s notifications read (idempotent: keeps the first read time). P0002 if not the caller''s.';

COMMENT ON FUNCTION public.mark_notification_sent(p_id uuid) IS 'RPC (service_role): the sender delivered the row (idempotent). 55000 if failed for good.';

COMMENT ON FUNCTION public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text) IS 'RPC (signed-in user): registers or refreshes this device''s Web Push subscription. Another user''s endpoint moves to the caller only with the same keys and a shared organization (audited as push_subscription_moved); otherwise 42501.';

COMMENT ON FUNCTION public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean) IS 'RPC (any member): enables or disables a notification type (or * for all) on a channel for oneself. Refused (22023) for in_app of a critical type; * never disables critical in_app rows either.';

COMMENT ON FUNCTION public.unsubscribe(p_token text) IS 'RPC (anon: the link in an email): turns off email notifications of every type for the token''s user in all their organizations, except critical ones. Returns the number of organizations. 22023 for an unknown or malformed token.';

REVOKE ALL ON FUNCTION private.base64url_bytes(p_text text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.create_notification(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.create_notification(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) TO service_role;

REVOKE ALL ON FUNCTION private.create_notification_row(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb, OUT id uuid, OUT created boolean) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.issue_unsubscribe_token(p_user uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.issue_unsubscribe_token(p_user uuid) TO service_role;

REVOKE ALL ON FUNCTION private.notification_enabled(p_org uuid, p_user uuid, p_type text, p_channel text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.notification_is_critical(p_type text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.notification_template(p_type text, p_language text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.notify_roles(p_org uuid, p_roles public.member_role[], p_type text, p_title text, p_body text, p_entity_table text, p_entity_id uuid, p_dedupe_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.notify_roles(p_org uuid, p_roles public.member_role[], p_type text, p_title text, p_body text, p_entity_table text, p_entity_id uuid, p_dedupe_key text) TO service_role;

REVOKE ALL ON FUNCTION private.notify_roles_with_params(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.notify_roles_with_params(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) TO service_role;

REVOKE ALL ON FUNCTION private.render_template(p_template text, p_params jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.template_params_missing(p_template text, p_params jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.claim_pending_notifications(p_channel text, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.claim_pending_notifications(p_channel text, p_limit integer) TO service_role;

REVOKE ALL ON FUNCTION public.delete_push_subscription(p_endpoint text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.delete_push_subscription(p_endpoint text) TO authenticated;

REVOKE ALL ON FUNCTION public.mark_notification_failed(p_id uuid, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.mark_notification_failed(p_id uuid, p_error text) TO service_role;

REVOKE ALL ON FUNCTION public.mark_notification_read(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.mark_notification_read(p_id uuid) TO authenticated;

REVOKE ALL ON FUNCTION public.mark_notification_sent(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.mark_notification_sent(p_id uuid) TO service_role;

REVOKE ALL ON FUNCTION public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text) TO authenticated;

REVOKE ALL ON FUNCTION public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean) TO authenticated;

REVOKE ALL ON FUNCTION public.unsubscribe(p_token text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.unsubscribe(p_token text) TO anon;
GRANT ALL ON FUNCTION public.unsubscribe(p_token text) TO authenticated;
GRANT ALL ON FUNCTION public.unsubscribe(p_token text) TO service_role;

select cron.schedule('deliver-notifications', '* * * * *', 'select private.signal_due_notifications()');

select cron.schedule('purge-notifications', '41 3 * * *', 'select private.purge_notifications()');

