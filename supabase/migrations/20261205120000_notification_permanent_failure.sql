-- A sender's failed attempt says whether retrying can help.
--
-- mark_notification_failed(id, error) treated every failure alike: backoff,
-- then failed for good at the 5th attempt. Push services answer some refusals
-- that no retry changes (RFC 8030 and the services' own documentation: 413
-- payload too large; 400 invalid request and 401/403 a VAPID signature or key
-- they refuse, a configuration error), and rate-limit with 429 and a
-- Retry-After the sender must honour. The sender only knows the HTTP status;
-- what it means for the queue is decided here:
--   p_permanent            the row is failed for good now, whatever its attempt
--                          count, with the same app_event notification_failed
--                          (payload permanent: true);
--   p_retry_after_seconds  the next attempt is not before that wait (nor
--                          before the backoff), capped at one day: a push
--                          message lives one day (push_deliveries' TTL).
-- The two together are refused: a permanent failure is never retried. Both
-- default to the old behaviour, so `mark_notification_failed(id, error)`
-- callers (the email sender) are unchanged.
--
-- The signature changes, so the function is dropped and created again (a
-- plpgsql body records no dependency on it).

drop function public.mark_notification_failed(uuid, text);

create function public.mark_notification_failed(
  p_id uuid,
  p_error text,
  p_permanent boolean default false,
  p_retry_after_seconds integer default null
) returns public.notifications
language plpgsql
-- Definer: logs an app_event through private.log_app_event, which the API
-- roles may not call.
security definer
set search_path = ''
as $$
declare
  c_max_attempts constant integer := 5;
  c_max_backoff constant interval := interval '6 hours';
  c_max_retry_after constant integer := 86400;
  v_row public.notifications;
  v_wait interval;
begin
  if p_permanent is null then
    perform private.raise_api_error('invalid_parameter', 'mark_notification_failed: permanent must be true or false, got null');
  end if;
  if p_retry_after_seconds < 0 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('mark_notification_failed: retry_after_seconds must be 0 or more, got %s', p_retry_after_seconds));
  end if;
  if p_permanent and p_retry_after_seconds is not null then
    perform private.raise_api_error('invalid_parameter', 'mark_notification_failed: a permanent failure is not retried, so it takes no retry_after_seconds');
  end if;
  select * into v_row from public.notifications n where n.id = p_id for update;
  if v_row.id is null then
    perform private.raise_api_error('not_found', pg_catalog.format('notification %s not found', p_id));
  end if;
  if v_row.delivery_status <> 'pending' then
    perform private.raise_api_error('invalid_state', pg_catalog.format('notification %s is %s and cannot be marked failed', p_id, v_row.delivery_status));
  end if;
  if p_permanent or v_row.attempts >= c_max_attempts then
    update public.notifications n
    set delivery_status = 'failed', next_attempt_at = null, last_error = left(p_error, 2000)
    where n.id = p_id
    returning * into v_row;
    perform private.log_app_event(
      v_row.org_id, 'notification_failed', 'warning', 'public.notifications', v_row.id,
      pg_catalog.jsonb_build_object('channel', v_row.channel, 'type', v_row.type, 'user_id', v_row.user_id,
                                    'attempts', v_row.attempts, 'permanent', p_permanent, 'error', left(p_error, 500)));
  else
    -- Backoff: 1, 2, 4, 8 min … (1 min × 2^(attempts-1)), at most 6 h; a
    -- longer Retry-After from the service wins.
    v_wait := greatest(
      least(interval '1 minute' * pg_catalog.power(2, greatest(v_row.attempts, 1) - 1), c_max_backoff),
      pg_catalog.make_interval(secs => least(coalesce(p_retry_after_seconds, 0), c_max_retry_after)));
    update public.notifications n
    set next_attempt_at = pg_catalog.now() + v_wait,
        last_error = left(p_error, 2000)
    where n.id = p_id
    returning * into v_row;
  end if;
  return v_row;
end;
$$;

comment on function public.mark_notification_failed(uuid, text, boolean, integer) is
  'RPC (service_role): a delivery attempt failed. Retried after 1 min × 2^(attempts-1) (max 6 h), or after p_retry_after_seconds when longer (max 1 day); after 5 attempts, or at once when p_permanent (a refusal no retry changes), the row is failed for good and an app_event notification_failed (warning, payload permanent) is logged. 22023 for a negative wait or a permanent failure with a wait; 55000 if the row is not pending.';

revoke all on function public.mark_notification_failed(uuid, text, boolean, integer) from public;
grant execute on function public.mark_notification_failed(uuid, text, boolean, integer) to service_role;
