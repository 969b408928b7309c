-- The unsubscribe link of an email is derived from its notification, so that every attempt to
-- send that email carries the same bytes.
--
-- Why: the sender gives the provider the notification id as idempotency key (docs/design.md,
-- email). A retry after a lost answer must be the same request: Resend answers a replay with the
-- first answer only when the payload is identical, and refuses a different payload under the same
-- key (409 invalid_idempotent_request). A random token per attempt made every replay of a
-- non-critical email different, so an email already accepted would be refused on replay and
-- retried until it failed for good.
--
-- How: token = HMAC-SHA256(notification id, a key generated in this database the first time a token
-- is issued). The key never leaves the private schema (no grant to any API role); knowing a
-- notification id is not enough to forge a token. The database still stores only the token's
-- sha256, as before. The key is created on first use, not by this migration: until an email has
-- been sent nothing depends on it, so undoing the migration loses nothing (docs/conventions.md §
-- Reversible migrations); afterwards the key is data, and db:rollback asks before dropping it.

create table private.unsubscribe_token_key (
  singleton boolean primary key default true check (singleton),
  key bytea not null default extensions.gen_random_bytes(32) check (octet_length(key) = 32)
);
comment on table private.unsubscribe_token_key is
  'The HMAC key unsubscribe tokens are derived with (one row, generated per database at the first token; never granted to an API role).';

create function private.issue_unsubscribe_token(p_user uuid, p_notification_id uuid) returns text
  language plpgsql security definer
  set search_path to ''
as $$
declare
  v_token text;
begin
  if not exists (select from public.notifications n where n.id = p_notification_id and n.user_id = p_user) then
    perform private.raise_api_error('not_found', pg_catalog.format('no notification %s for user %s', p_notification_id, p_user));
  end if;
  -- The first token ever creates the key; concurrent first calls wait for one another on the key.
  insert into private.unsubscribe_token_key default values on conflict (singleton) do nothing;
  select encode(extensions.hmac(p_notification_id::text::bytea, k.key, 'sha256'), 'hex') into strict v_token
  from private.unsubscribe_token_key k;
  -- The same notification gives the same token: the first attempt stored its hash.
  insert into public.unsubscribe_tokens (token_hash, user_id)
  values (encode(extensions.digest(v_token, 'sha256'), 'hex'), p_user)
  on conflict (token_hash) do nothing;
  return v_token;
end;
$$;

comment on function private.issue_unsubscribe_token(uuid, uuid) is
  'The unsubscribe token of one email notification: HMAC of the notification id with the database''s key, so every send attempt of that email carries the same link (stored as sha256, like every token). Refuses a notification that is not the user''s.';

revoke all on function private.issue_unsubscribe_token(uuid, uuid) from public;
grant execute on function private.issue_unsubscribe_token(uuid, uuid) to service_role;

-- The random token of one attempt is gone: nothing may build an email link that a replay changes.
drop function private.issue_unsubscribe_token(uuid);
