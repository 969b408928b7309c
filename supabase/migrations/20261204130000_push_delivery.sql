-- =============================================================================
-- Web Push delivery: what the `push` edge function reads and writes besides
-- the queue (claim_pending_notifications, mark_notification_sent/failed).
--
-- push_subscriptions stays closed to the API roles, the service role
-- included: the sender reads the devices of the claimed notifications through
-- public.push_deliveries and deletes a device the push service declared gone
-- (HTTP 404 or 410) through public.delete_gone_push_subscription. Both are
-- definer functions executable by service_role only.
--
-- What a device receives is decided here, not in TypeScript: the payload
-- (id, title, body, url: text rendered from the templates in the user's
-- language), how long the push service keeps it for an offline device (TTL)
-- and its urgency (RFC 8030 §5.2, §5.3).
-- =============================================================================

-- Push services accept about 4 KB of encrypted payload (RFC 8291 adds 103
-- bytes). Title is at most 200 characters (notifications_title_length); the
-- body is cut to 500 characters, so even 3-byte UTF-8 text stays well inside
-- the limit once JSON-encoded. The full text is in the in-app inbox.
create function public.push_deliveries(p_notification_ids uuid[])
returns table (notification_id uuid, payload jsonb, ttl_seconds integer, urgency text, subscriptions jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_notification_ids is null then
    perform private.raise_api_error('missing_parameter', 'push_deliveries: notification ids are required');
  end if;
  if pg_catalog.cardinality(p_notification_ids) > 500 then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('push_deliveries: at most 500 notifications at a time, got %s', pg_catalog.cardinality(p_notification_ids)));
  end if;
  return query
  select n.id,
         pg_catalog.jsonb_build_object(
           'id', n.id,
           'title', n.title,
           'body', pg_catalog.left(n.body, 500),
           -- The app's page for what the notification is about (/missions/<id>,
           -- /invoices/<id>, /stock-items/<id>, …), else the inbox.
           'url', case
                    when n.entity_table like 'public.%'
                      then '/' || pg_catalog.replace(pg_catalog.substr(n.entity_table, 8), '_', '-') || '/' || n.entity_id::text
                    else '/notifications'
                  end),
         -- A day: an older push is stale (alerts repeat while they fire), and
         -- the in-app row stays in the inbox whatever happens to the push.
         86400,
         -- Critical types (emergencies, critical stock, escalations, security)
         -- wake the device; the others may wait for the push service's
         -- power-saving delivery.
         case when private.notification_is_critical(n.type) then 'high' else 'normal' end,
         coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                            'endpoint', s.endpoint, 'p256dh', s.p256dh, 'auth', s.auth)
                          order by s.created_at, s.id)
                   from public.push_subscriptions s
                   where s.user_id = n.user_id), '[]'::jsonb)
  from public.notifications n
  where n.id = any (p_notification_ids)
    -- Only rows a sender may still deliver: a push row waiting for its sender.
    and n.channel = 'push'
    and n.delivery_status = 'pending'
  order by n.id;
end;
$$;

comment on function public.push_deliveries(uuid[]) is
  'RPC (service_role: the push sender): for each pending push notification among the ids (at most 500), '
  'the payload {id, title, body (500 characters at most), url}, the TTL in seconds (a day), the urgency '
  '(high for critical types, else normal) and every Web Push subscription {endpoint, p256dh, auth} of its user '
  '([] when none). Other ids (unknown, another channel, already sent or failed) are left out.';

revoke all on function public.push_deliveries(uuid[]) from public, anon, authenticated;
grant execute on function public.push_deliveries(uuid[]) to service_role;

-- A push service answers 404 or 410 for a subscription that no longer exists
-- (the user revoked the permission, the browser dropped it): sending to it
-- again can never succeed (RFC 8030 §7.3, §8.3).
create function public.delete_gone_push_subscription(p_endpoint text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  if p_endpoint is null then
    perform private.raise_api_error('missing_parameter', 'delete_gone_push_subscription: the endpoint is required');
  end if;
  delete from public.push_subscriptions s where s.endpoint = p_endpoint;
  get diagnostics v_deleted = row_count;
  return v_deleted > 0;
end;
$$;

comment on function public.delete_gone_push_subscription(text) is
  'RPC (service_role: the push sender): deletes the subscription of an endpoint its push service answered '
  '404 or 410 for. True when a row was deleted, false when none had that endpoint (already deleted).';

revoke all on function public.delete_gone_push_subscription(text) from public, anon, authenticated;
grant execute on function public.delete_gone_push_subscription(text) to service_role;

comment on table public.push_subscriptions is
  'Web Push subscriptions, one per device (endpoint). Closed to the API: written through register/delete_push_subscription, '
  'read by the push sender through public.push_deliveries, deleted when its push service answers 404/410 '
  '(public.delete_gone_push_subscription). A user with one gets push notifications from notify_roles.';
