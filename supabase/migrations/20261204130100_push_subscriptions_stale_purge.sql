-- =============================================================================
-- Forget Web Push devices not seen for 90 days.
--
-- A push service answers 404/410 for a dead subscription and the push sender
-- then deletes it (delete_gone_push_subscription), but not every service
-- does: Apple's may keep answering 201 for a browser long gone. The web app
-- registers its subscription on every start (register_push_subscription
-- refreshes last_seen_at), so a device whose app has not started for 90 days
-- is dropped; if it comes back, its next start registers it again. 90 days
-- spans holidays and sick leave.
-- =============================================================================

create function private.purge_stale_push_subscriptions()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  -- One row per device and a daily run: a sequential scan, no index needed.
  delete from public.push_subscriptions s where s.last_seen_at < pg_catalog.now() - interval '90 days';
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;

comment on function private.purge_stale_push_subscriptions() is
  'Deletes Web Push subscriptions whose app has not registered them for 90 days (last_seen_at), '
  'since some push services accept messages for dead subscriptions. Returns the number deleted. pg_cron daily.';

revoke all on function private.purge_stale_push_subscriptions() from public, anon, authenticated;
grant execute on function private.purge_stale_push_subscriptions() to service_role;

select cron.schedule('purge-stale-push-subscriptions', '53 3 * * *', 'select private.purge_stale_push_subscriptions()');
