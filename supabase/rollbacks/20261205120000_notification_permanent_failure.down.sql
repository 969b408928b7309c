-- Down file of supabase/migrations/20261205120000_notification_permanent_failure.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop function public.mark_notification_failed(p_id uuid, p_error text, p_permanent boolean, p_retry_after_seconds integer);

-- the two-argument function it replaced, as the notifications baseline made it
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

COMMENT ON FUNCTION public.mark_notification_failed(p_id uuid, p_error text) IS 'RPC (service_role): a delivery attempt failed. Retried after 1 min × 2^(attempts-1) (max 6 h); after 5 attempts the row is failed for good and an app_event notification_failed (warning) is logged. 55000 if the row is not pending.';

REVOKE ALL ON FUNCTION public.mark_notification_failed(p_id uuid, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.mark_notification_failed(p_id uuid, p_error text) TO service_role;
