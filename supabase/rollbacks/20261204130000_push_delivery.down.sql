-- DRAFT down file of 20261204130000_push_delivery.sql

-- objects it created, newest first
drop function public.delete_gone_push_subscription(p_endpoint text) cascade;
drop function public.push_deliveries(p_notification_ids uuid[]) cascade;

-- comments it changed on existing objects
comment on table public.push_subscriptions is 'Web Push subscriptions, one per device (endpoint). Closed to the API: written through register/delete_push_subscription, read by the push sender (definer function, later issue). A user with one gets push notifications from notify_roles.';
