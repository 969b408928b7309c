-- DRAFT down file of 20261201010000_notifications.sql

-- pg_cron jobs the migration scheduled
select cron.unschedule('deliver-notifications');
select cron.unschedule('purge-notifications');

-- objects it created, newest first
drop table public.unsubscribe_tokens cascade;
drop table public.push_subscriptions cascade;
drop function public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean) cascade;
drop table public.notification_preferences cascade;
drop function public.mark_notification_sent(p_id uuid) cascade;
drop function public.mark_notification_failed(p_id uuid, p_error text) cascade;
drop function public.claim_pending_notifications(p_channel text, p_limit integer) cascade;
drop table public.notifications cascade;
drop function private.notification_template(p_type text, p_language text) cascade;
drop table public.notification_templates cascade;
drop function public.unsubscribe(p_token text) cascade;
drop function public.unread_notification_count() cascade;
drop function public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text) cascade;
drop function public.mark_notification_read(p_id uuid) cascade;
drop function public.mark_all_notifications_read() cascade;
drop function public.delete_push_subscription(p_endpoint text) cascade;
drop function private.template_params_missing(p_template text, p_params jsonb) cascade;
drop function private.signal_due_notifications() cascade;
drop function private.render_template(p_template text, p_params jsonb) cascade;
drop function private.purge_notifications() cascade;
drop function private.notify_roles_with_params(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) cascade;
drop function private.notify_roles(p_org uuid, p_roles public.member_role[], p_type text, p_title text, p_body text, p_entity_table text, p_entity_id uuid, p_dedupe_key text) cascade;
drop function private.notification_is_critical(p_type text) cascade;
drop function private.notification_enabled(p_org uuid, p_user uuid, p_type text, p_channel text) cascade;
drop function private.issue_unsubscribe_token(p_user uuid) cascade;
drop function private.create_notification_row(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb, OUT id uuid, OUT created boolean) cascade;
drop function private.create_notification(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb) cascade;
drop function private.base64url_bytes(p_text text) cascade;
