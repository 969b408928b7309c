-- Deliveries start when a row is queued, not at the next minute.
--
-- private.signal_due_notifications() (pg_cron, every minute) NOTIFYs
-- `terrain_deliveries` with the due rows per channel, and a listener (the local
-- stack's dispatcher) calls the sender functions. An invoice sent by an
-- accountant therefore waited up to a minute for its email. This statement
-- trigger sends the same signal when a statement queues email or push rows
-- that are due now: once per statement, whatever the number of rows, and only
-- at commit (NOTIFY is transactional), so a rolled-back send signals nothing.
-- Without a listener (production, where pg_cron calls the functions through
-- pg_net) a NOTIFY is dropped at once and costs nothing.

create function private.signal_queued_notifications()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_due jsonb;
begin
  select pg_catalog.jsonb_object_agg(x.channel, x.n) into v_due
  from (select q.channel, count(*) as n
        from queued q
        where q.delivery_status = 'pending' and q.channel in ('email', 'push')
          and q.next_attempt_at <= pg_catalog.now()
        group by q.channel) x;
  if v_due is not null then
    perform pg_catalog.pg_notify('terrain_deliveries', v_due::text);
  end if;
  return null;
end;
$$;

comment on function private.signal_queued_notifications() is
  'AFTER INSERT statement trigger on public.notifications: NOTIFYs terrain_deliveries with {channel: count} of the due email/push rows the statement queued, so the senders run at commit instead of at the next pg_cron minute.';

revoke all on function private.signal_queued_notifications() from public, anon, authenticated, service_role;

create trigger notifications_signal_queued
  after insert on public.notifications
  referencing new table as queued
  for each statement execute function private.signal_queued_notifications();
