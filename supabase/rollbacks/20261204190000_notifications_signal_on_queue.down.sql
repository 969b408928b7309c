-- Back to the per-minute signal of pg_cron only.
drop trigger notifications_signal_queued on public.notifications;
drop function private.signal_queued_notifications();
