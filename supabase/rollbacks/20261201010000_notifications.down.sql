-- Down file of supabase/migrations/20261201010000_notifications.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- pg_cron jobs the migration scheduled
select cron.unschedule('deliver-notifications');
select cron.unschedule('purge-notifications');

-- objects it created, dependents first
drop table public.unsubscribe_tokens;
drop table public.push_subscriptions;
drop function public.set_notification_preference(p_org uuid, p_type text, p_channel text, p_enabled boolean);
drop table public.notification_preferences;
drop function public.mark_notification_sent(p_id uuid);
drop function public.mark_notification_failed(p_id uuid, p_error text);
drop function public.claim_pending_notifications(p_channel text, p_limit integer);
drop table public.notifications;
drop function private.notification_template(p_type text, p_language text);
drop table public.notification_templates;
drop function public.unsubscribe(p_token text);
drop function public.unread_notification_count();
drop function public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text);
drop function public.mark_notification_read(p_id uuid);
drop function public.mark_all_notifications_read();
drop function public.delete_push_subscription(p_endpoint text);
drop function private.template_params_missing(p_template text, p_params jsonb);
drop function private.signal_due_notifications();
drop function private.render_template(p_template text, p_params jsonb);
drop function private.purge_notifications();
drop function private.notify_roles_with_params(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb);
drop function private.notify_roles(p_org uuid, p_roles public.member_role[], p_type text, p_title text, p_body text, p_entity_table text, p_entity_id uuid, p_dedupe_key text);
drop function private.notification_is_critical(p_type text);
drop function private.notification_enabled(p_org uuid, p_user uuid, p_type text, p_channel text);
drop function private.issue_unsubscribe_token(p_user uuid);
drop function private.create_notification_row(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb, OUT id uuid, OUT created boolean);
drop function private.create_notification(p_org uuid, p_user uuid, p_channel text, p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb);
drop function private.base64url_bytes(p_text text);
