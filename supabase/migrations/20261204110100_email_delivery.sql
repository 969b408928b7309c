-- =============================================================================
-- Email delivery: emails to clients in the notification queue, the
-- suppression list, provider events, and the sender's claim.
--
-- Emails to clients. Clients are not users (no profile, no membership): an
-- invoice sent or an intervention report goes to clients.email. Rather than a
-- second outbox with its own claim, lease, retries and backoff, such an email
-- is a row of public.notifications with no user_id but a client_id and the
-- address it goes to (copied when queued, so a later change of the client's
-- address does not redirect an email already queued). The queue
-- (claim_pending_notifications, mark_notification_sent/failed, the backoff,
-- signal_due_notifications) is then the same for every email. Such rows are
-- invisible to the API: the select policy matches user_id = auth.uid().
--
-- params: what the sender needs beyond the rendered title and body (the
-- invoice to attach, the mission of a report), set by the SQL that queues.
--
-- Suppression list (private.email_suppressions): an address that bounced for
-- good or complained is never written to again. The rule is checked when the
-- sender claims its rows (public.claim_email_deliveries): a suppressed row is
-- failed there, with the reason, and never reaches the sender.
--
-- Provider events (private.email_events): delivered, bounced, complained …
-- as the provider's signed webhook sent them, once per event id (providers
-- retry for about a day with the same id).
-- =============================================================================

alter table public.notifications
  alter column user_id drop not null,
  add column client_id uuid,
  add column recipient_email text,
  add column params jsonb not null default '{}'::jsonb,
  add constraint notifications_client_fkey foreign key (org_id, client_id)
    references public.clients (org_id, id) on delete cascade,
  add constraint notifications_recipient_kind check (
    (user_id is not null and client_id is null and recipient_email is null)
    or (user_id is null and client_id is not null and channel = 'email' and recipient_email is not null)),
  add constraint notifications_recipient_email_format check (
    recipient_email is null or (recipient_email ~ '^[^@\s]+@[^@\s]+$' and char_length(recipient_email) <= 320)),
  add constraint notifications_params_object check (pg_catalog.jsonb_typeof(params) = 'object'),
  add constraint notifications_params_length check (octet_length(params::text) <= 8000);

-- The foreign key's ON DELETE CASCADE from clients.
create index notifications_client_idx on public.notifications (org_id, client_id) where client_id is not null;

comment on column public.notifications.user_id is 'The member notified; null for an email to a client (client_id, recipient_email).';
comment on column public.notifications.client_id is 'An email to a client (invoice sent, intervention report): the client; user_id is then null.';
comment on column public.notifications.recipient_email is 'Address of an email to a client, copied when queued.';
comment on column public.notifications.params is 'What the sender needs beyond title and body (invoice_id to attach, mission_id), set by the SQL that queues the row.';

create table private.email_suppressions (
  email text primary key,
  reason text not null,
  event_id text,
  created_at timestamptz not null default now(),
  constraint email_suppressions_email_format check (email = pg_catalog.lower(email) and email ~ '^[^@\s]+@[^@\s]+$'
                                                    and char_length(email) <= 320),
  constraint email_suppressions_reason check (reason in ('hard_bounce', 'complaint'))
);

comment on table private.email_suppressions is
  'Addresses never written to again: a hard bounce or a spam complaint reported by the email provider. Checked by public.claim_email_deliveries.';

create table private.email_events (
  id text primary key,
  type text not null,
  email text,
  notification_id uuid,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  constraint email_events_id_length check (char_length(id) between 1 and 200),
  constraint email_events_type_format check (type ~ '^[a-z_]+(\.[a-z_]+)*$' and char_length(type) <= 100),
  constraint email_events_payload_object check (pg_catalog.jsonb_typeof(payload) = 'object')
);

-- Events of one email (support: "was it delivered?").
create index email_events_notification_idx on private.email_events (notification_id) where notification_id is not null;

comment on table private.email_events is
  'Events of the email provider''s webhook (email.delivered, email.bounced, email.complained, …), one per event id (svix-id), with the payload as received. Written by public.record_email_event.';

revoke all on table private.email_suppressions from public;
revoke all on table private.email_events from public;

-- -----------------------------------------------------------------------------
-- The sender's claim
-- -----------------------------------------------------------------------------
-- Definer: reads the members' addresses (auth.users) and the suppression
-- list, neither of which the service role reads through the API.
create function public.claim_email_deliveries(p_limit integer default 20)
returns table (
  id uuid, org_id uuid, type text, title text, body text, to_email text, language text, critical boolean,
  user_id uuid, client_id uuid, entity_table text, entity_id uuid, params jsonb, attempts integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  r record;
begin
  for r in
    select n.*, pg_catalog.lower(coalesce(n.recipient_email, u.email)) as address, coalesce(pr.language, 'fr') as lang,
           s.reason as suppressed
    from public.claim_pending_notifications('email', p_limit) n
    left join auth.users u on u.id = n.user_id
    left join public.profiles pr on pr.id = n.user_id
    left join private.email_suppressions s on s.email = pg_catalog.lower(coalesce(n.recipient_email, u.email))
  loop
    if r.address is null or r.suppressed is not null then
      -- Never sent: failed for good at once, with the reason (no retry can help).
      update public.notifications n
      set delivery_status = 'failed', next_attempt_at = null,
          last_error = case when r.address is null then 'no email address' else 'suppressed: ' || r.suppressed end
      where n.id = r.id;
      continue;
    end if;
    id := r.id; org_id := r.org_id; type := r.type; title := r.title; body := r.body; to_email := r.address;
    language := r.lang; critical := private.notification_is_critical(r.type); user_id := r.user_id;
    client_id := r.client_id; entity_table := r.entity_table; entity_id := r.entity_id; params := r.params;
    attempts := r.attempts;
    return next;
  end loop;
end;
$$;

comment on function public.claim_email_deliveries(integer) is
  'RPC (service_role, the send-email function): claim_pending_notifications(''email'', n) with each row''s address (the member''s auth email, or the client''s copied address), language (the member''s profile, fr for clients) and whether the type is critical (no unsubscribe link). Rows to a suppressed address or without an address are failed for good here and not returned.';

revoke all on function public.claim_email_deliveries(integer) from public;
grant execute on function public.claim_email_deliveries(integer) to service_role;

-- -----------------------------------------------------------------------------
-- Provider events (the webhook function, after checking the signature)
-- -----------------------------------------------------------------------------
create function public.record_email_event(p_event_id text, p_type text, p_payload jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_data       jsonb := p_payload -> 'data';
  v_to         text[];
  v_notification uuid;
  v_reason     text;
  v_suppressed text[] := '{}'::text[];
begin
  if p_event_id is null or p_type is null or p_payload is null then
    perform private.raise_api_error('missing_parameter', 'event id, type and payload are required');
  end if;
  if char_length(p_event_id) not between 1 and 200 or p_type !~ '^[a-z_]+(\.[a-z_]+)*$' or char_length(p_type) > 100
     or pg_catalog.jsonb_typeof(p_payload) <> 'object' then
    perform private.raise_api_error('invalid_parameter', 'an event has an id of 1 to 200 characters, a dotted lower-case type and a JSON object');
  end if;

  -- Recipients: data.to is an array of addresses (a string is accepted too).
  select pg_catalog.array_agg(pg_catalog.lower(pg_catalog.btrim(t.v)))
  into v_to
  from pg_catalog.jsonb_array_elements_text(
         case pg_catalog.jsonb_typeof(v_data -> 'to') when 'array' then v_data -> 'to'
              when 'string' then pg_catalog.jsonb_build_array(v_data -> 'to') else '[]'::jsonb end) t (v)
  where t.v ~ '^[^@\s]+@[^@\s]+$' and char_length(t.v) <= 320;

  -- The notification the email was sent for: the tag the sender put on it.
  select (t.value ->> 'value')::uuid into v_notification
  from pg_catalog.jsonb_array_elements(case when pg_catalog.jsonb_typeof(v_data -> 'tags') = 'array' then v_data -> 'tags' else '[]' end) t
  where t.value ->> 'name' = 'notification_id'
    and t.value ->> 'value' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  limit 1;
  if v_notification is null and pg_catalog.jsonb_typeof(v_data -> 'tags') = 'object'
     and v_data -> 'tags' ->> 'notification_id' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    v_notification := (v_data -> 'tags' ->> 'notification_id')::uuid;
  end if;

  insert into private.email_events (id, type, email, notification_id, payload)
  values (p_event_id, p_type, v_to[1], v_notification, p_payload)
  on conflict on constraint email_events_pkey do nothing;
  if not found then
    return pg_catalog.jsonb_build_object('recorded', false, 'duplicate', true, 'suppressed', '[]'::jsonb);
  end if;

  -- A bounce for good (not a full mailbox: Resend's bounce.type "Permanent")
  -- or a complaint: the addresses go on the suppression list.
  v_reason := case
                when p_type = 'email.complained' then 'complaint'
                when p_type = 'email.bounced' and pg_catalog.lower(coalesce(v_data -> 'bounce' ->> 'type', '')) in ('permanent', 'hard')
                  then 'hard_bounce'
              end;
  if v_reason is not null and v_to is not null then
    with added as (
      insert into private.email_suppressions (email, reason, event_id)
      select distinct e, v_reason, p_event_id from pg_catalog.unnest(v_to) e
      on conflict (email) do nothing
      returning email)
    select coalesce(pg_catalog.array_agg(a.email order by a.email), '{}'::text[]) into v_suppressed from added a;
    -- Emails already queued to those addresses will not go out either.
    update public.notifications n
    set delivery_status = 'failed', next_attempt_at = null, last_error = 'suppressed: ' || v_reason
    where n.channel = 'email' and n.delivery_status = 'pending'
      and (pg_catalog.lower(n.recipient_email) = any (v_to)
           or n.user_id in (select u.id from auth.users u where pg_catalog.lower(u.email) = any (v_to)));
  end if;

  return pg_catalog.jsonb_build_object('recorded', true, 'duplicate', false, 'suppressed', pg_catalog.to_jsonb(v_suppressed));
end;
$$;

comment on function public.record_email_event(text, text, jsonb) is
  'RPC (service_role, the email webhook function once the signature is checked): records a provider event once per id (a replay returns duplicate true and changes nothing). email.bounced with bounce.type Permanent and email.complained put data.to on the suppression list and fail the emails still queued to them.';

revoke all on function public.record_email_event(text, text, jsonb) from public;
grant execute on function public.record_email_event(text, text, jsonb) to service_role;

-- Support and tests: is an address suppressed, and why.
create function public.email_suppression(p_email text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select s.reason from private.email_suppressions s where s.email = pg_catalog.lower(pg_catalog.btrim(p_email))
$$;

comment on function public.email_suppression(text) is 'RPC (service_role): why an address is suppressed (hard_bounce, complaint), or null.';

revoke all on function public.email_suppression(text) from public;
grant execute on function public.email_suppression(text) to service_role;
