-- Down file of supabase/migrations/20261204130000_push_delivery.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- objects it created, dependents first
drop function public.delete_gone_push_subscription(p_endpoint text);
drop function public.push_deliveries(p_notification_ids uuid[]);

-- comments it changed on existing objects
comment on table public.push_subscriptions is 'Web Push subscriptions, one per device (endpoint). Closed to the API: written through register/delete_push_subscription, read by the push sender (definer function, later issue). A user with one gets push notifications from notify_roles.';
