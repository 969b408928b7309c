-- =============================================================================
-- A push endpoint is bound to the user who registered it.
--
-- register_push_subscription used to move an endpoint to whoever called it
-- with that endpoint (ON CONFLICT … SET user_id = excluded.user_id): anyone
-- who learnt another user's endpoint URL (logs, a shared screen) could take
-- over that device's notifications, across organizations. Now:
--   * the caller's own endpoint: keys and last_seen_at are refreshed (a
--     browser re-subscribing may get new keys);
--   * another user's endpoint: moves to the caller only with proof of
--     possession — the same p256dh and auth keys as stored (only the browser
--     that subscribed has them; they are never returned by the API) — and
--     only when both users share an organization (a shared device of one
--     company). The move is written to the audit trail as
--     'push_subscription_moved' for each shared organization, without the
--     keys. Otherwise 42501 and nothing changes.
--   * the input must look like a Web Push subscription (RFC 8291):
--     endpoint https://host/…, at most 1024 characters, no whitespace;
--     p256dh the base64url of an uncompressed P-256 point (65 bytes, first
--     byte 0x04); auth the base64url of 16 bytes. Padding '=' is accepted and
--     stored without it, as PushSubscription.toJSON() gives it.
-- =============================================================================

-- The bytes of a base64url string (padding optional), or null when it is not one.
create function private.base64url_bytes(p_text text)
returns bytea
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := pg_catalog.rtrim(p_text, '=');
begin
  if v is null or v !~ '^[A-Za-z0-9_-]*$' or pg_catalog.length(v) % 4 = 1 then
    return null;
  end if;
  v := pg_catalog.translate(v, '-_', '+/');
  return pg_catalog.decode(v || pg_catalog.repeat('=', (4 - pg_catalog.length(v) % 4) % 4), 'base64');
end;
$$;
comment on function private.base64url_bytes(text) is
  'Decodes base64url (RFC 4648 §5, padding optional); null for anything else.';
revoke all on function private.base64url_bytes(text) from public, anon, authenticated, service_role;

create or replace function public.register_push_subscription(p_endpoint text, p_p256dh text, p_auth text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_p256dh text := pg_catalog.rtrim(p_p256dh, '=');
  v_auth text := pg_catalog.rtrim(p_auth, '=');
  v_key bytea := private.base64url_bytes(p_p256dh);
  v_existing public.push_subscriptions%rowtype;
  v_shared_orgs uuid[];
  v_org uuid;
begin
  if v_user is null then
    raise exception 'sign in to register a push subscription' using errcode = '28000';
  end if;
  if p_endpoint is null or p_endpoint !~ '^https://[^/?#@\s]+/\S*$' or pg_catalog.length(p_endpoint) > 1024 then
    raise exception 'A push endpoint is an https:// URL of at most 1024 characters' using errcode = '22023';
  end if;
  if v_key is null or pg_catalog.length(v_key) <> 65 or pg_catalog.get_byte(v_key, 0) <> 4 then
    raise exception 'p256dh must be the base64url of an uncompressed P-256 public key (65 bytes starting with 0x04)'
      using errcode = '22023';
  end if;
  if pg_catalog.length(coalesce(private.base64url_bytes(p_auth), '')) <> 16 then
    raise exception 'auth must be the base64url of a 16-byte secret' using errcode = '22023';
  end if;

  select s.* into v_existing from public.push_subscriptions s where s.endpoint = p_endpoint for update;

  if not found then
    insert into public.push_subscriptions (user_id, endpoint, p256dh, auth)
    values (v_user, p_endpoint, v_p256dh, v_auth)
    -- A concurrent first registration of the same endpoint: the loser gets a
    -- unique violation (23505) rather than silently taking it over.
    returning id into v_existing.id;
    return v_existing.id;
  end if;

  if v_existing.user_id = v_user then
    update public.push_subscriptions s
    set p256dh = v_p256dh, auth = v_auth, last_seen_at = pg_catalog.now()
    where s.id = v_existing.id;
    return v_existing.id;
  end if;

  -- Another user's device. The same answer whichever check fails: the caller
  -- learns nothing about whom the endpoint belongs to.
  select pg_catalog.array_agg(mine.org_id order by mine.org_id) into v_shared_orgs
  from public.memberships mine
  join public.memberships theirs on theirs.org_id = mine.org_id and theirs.user_id = v_existing.user_id
  where mine.user_id = v_user;
  if pg_catalog.rtrim(v_existing.p256dh, '=') <> v_p256dh or pg_catalog.rtrim(v_existing.auth, '=') <> v_auth
     or v_shared_orgs is null then
    raise exception 'This push endpoint is registered to another user'
      using errcode = '42501',
            hint = 'A device moves to another user only from the browser that subscribed (same keys), within one organization.';
  end if;

  update public.push_subscriptions s
  set user_id = v_user, last_seen_at = pg_catalog.now()
  where s.id = v_existing.id;
  foreach v_org in array v_shared_orgs loop
    perform audit.append(v_org, 'push_subscription_moved', 'public.push_subscriptions', v_existing.id::text,
                         pg_catalog.jsonb_build_object('user_id',
                           pg_catalog.jsonb_build_object('old', v_existing.user_id, 'new', v_user)),
                         'Re-registered by another member on the same device (same keys).');
  end loop;
  return v_existing.id;
end;
$$;
comment on function public.register_push_subscription(text, text, text) is
  'RPC (signed-in user): registers or refreshes this device''s Web Push subscription. Another user''s endpoint moves to '
  'the caller only with the same keys and a shared organization (audited as push_subscription_moved); otherwise 42501.';
