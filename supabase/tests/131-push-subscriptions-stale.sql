-- Devices not seen for 90 days are forgotten: some push services (Apple's)
-- keep answering 201 for a subscription whose browser is long gone, so a 410
-- alone never prunes it. The app refreshes last_seen_at on every start
-- (register_push_subscription), so a device in use is never purged.
begin;
select plan(6);

delete from public.push_subscriptions;
insert into public.push_subscriptions (user_id, endpoint, p256dh, auth, last_seen_at) values
  ('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/abandoned', 'B1', 'a1', now() - interval '91 days'),
  ('a0000000-0000-4000-8000-000000000003', 'https://push.example.test/send/holidays', 'B2', 'a2', now() - interval '89 days'),
  ('a0000000-0000-4000-8000-000000000004', 'https://push.example.test/send/daily', 'B3', 'a3', now());

select results_eq(
  $$select schedule::text, command from cron.job where jobname = 'purge-stale-push-subscriptions'$$,
  $$values ('53 3 * * *'::text, 'select private.purge_stale_push_subscriptions()'::text)$$,
  'a daily pg_cron job purges stale devices');
select ok(has_function_privilege('service_role', 'private.purge_stale_push_subscriptions()', 'execute')
          and not has_function_privilege('authenticated', 'private.purge_stale_push_subscriptions()', 'execute')
          and not has_function_privilege('anon', 'private.purge_stale_push_subscriptions()', 'execute'),
  'only the service role (operators) may run it by hand');
select is(private.purge_stale_push_subscriptions(), 1, 'it returns the number of devices purged');
select results_eq($$select endpoint from public.push_subscriptions order by endpoint$$,
  $$values ('https://push.example.test/send/daily'), ('https://push.example.test/send/holidays')$$,
  'a device not seen for more than 90 days is gone; one seen 89 days ago stays');
select is(private.purge_stale_push_subscriptions(), 0, 'a second run finds nothing');

-- A device that comes back re-registers: it is fresh again.
update public.push_subscriptions set last_seen_at = now() - interval '100 days' where endpoint like '%/holidays';
select tests.as_user('a0000000-0000-4000-8000-000000000003',
  $$select to_jsonb(public.register_push_subscription('https://push.example.test/send/holidays',
    'BHxVXJOg93zRw5zAZ8KiaXbGF18HwsAc_U0zWfuLLk7y3vnJ58SOuHyyLSiqh15lWJ0-HFSy1fqbxFEiAARJ1kc', 'm8tXl_ReoHTQTIUcvhQqvQ'))$$);
select is(private.purge_stale_push_subscriptions(), 0, 'a device whose app started again (re-registered) is kept');

select * from finish();
rollback;
