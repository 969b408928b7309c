-- API errors, notifications: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION public.claim_pending_notifications(p_channel text, p_limit integer DEFAULT 50)
 RETURNS SETOF notifications
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.mark_notification_failed(p_id uuid, p_error text)
 RETURNS notifications
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.mark_notification_read(p_id uuid)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.mark_notification_sent(p_id uuid)
 RETURNS notifications
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean)
 RETURNS notification_preferences
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.unsubscribe(p_token text)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION private.issue_unsubscribe_token(p_user uuid)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
$function$;
