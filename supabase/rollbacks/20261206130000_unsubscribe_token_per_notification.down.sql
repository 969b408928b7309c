-- Down file of supabase/migrations/20261206130000_unsubscribe_token_per_notification.sql: back to
-- a random token per send attempt (docs/conventions.md § Reversible migrations).
create function private.issue_unsubscribe_token(p_user uuid) returns text
  language plpgsql security definer
  set search_path to ''
as $$
declare
  v_token text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  if not exists (select from public.profiles p where p.id = p_user) then
    perform private.raise_api_error('not_found', pg_catalog.format('unknown user %s', p_user));
  end if;
  insert into public.unsubscribe_tokens (token_hash, user_id)
  values (encode(extensions.digest(v_token, 'sha256'), 'hex'), p_user);
  return v_token;
end;
$$;
comment on function private.issue_unsubscribe_token(uuid) is 'Issues an unsubscribe token for a user (returned once, stored as sha256).';
revoke all on function private.issue_unsubscribe_token(uuid) from public;
grant all on function private.issue_unsubscribe_token(uuid) to service_role;

drop function private.issue_unsubscribe_token(uuid, uuid);
drop table private.unsubscribe_token_key;
