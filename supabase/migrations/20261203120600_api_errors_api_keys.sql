-- API errors, api keys: every business error of these functions goes through the
-- catalogue (private.raise_api_error, see 20261203090000_api_error_catalogue.sql), so PostgREST
-- answers its HTTP status and stable code (docs/errors.md). Each body is the current definition
-- with only its raise statements changed: same messages, same SQLSTATEs outside PostgREST.

CREATE OR REPLACE FUNCTION private.api_key_for_admin(p_key_id uuid)
 RETURNS api_keys
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_key public.api_keys%rowtype;
begin
  select k.* into v_key from public.api_keys k where k.id = p_key_id for update;
  if v_key.id is null or not (private.is_system_actor() or private.has_role_in(v_key.org_id, '{owner,admin}')) then
    perform private.raise_api_error('forbidden_role', pg_catalog.format('API key %s not found in an organization you administer', p_key_id));
  end if;
  return v_key;
end;
$function$;

CREATE OR REPLACE FUNCTION private.authorize_api_key_admin(p_org_id uuid)
 RETURNS void
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  if private.is_system_actor() then
    return;
  end if;
  if p_org_id is null or not private.has_role_in(p_org_id, '{owner,admin}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can manage its API keys');
  end if;
end;
$function$;

CREATE OR REPLACE FUNCTION private.normalize_api_key_scopes(p_scopes text[])
 RETURNS text[]
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
declare
  v_bad text;
begin
  if p_scopes is null or cardinality(p_scopes) = 0 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('An API key needs at least one scope (allowed: %s)', array_to_string(private.api_key_allowed_scopes(), ', ')));
  end if;
  select s into v_bad from unnest(p_scopes) as s
  where s is null or not (s = any (private.api_key_allowed_scopes())) limit 1;
  if found then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown API key scope: %s (allowed: %s)', coalesce(v_bad, 'null'), array_to_string(private.api_key_allowed_scopes(), ', ')));
  end if;
  return array(select distinct s from unnest(p_scopes) as s order by s);
end;
$function$;

CREATE OR REPLACE FUNCTION public.create_api_key(p_org_id uuid, p_name text, p_scopes text[], p_expires_at timestamp with time zone DEFAULT NULL::timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_scopes  text[];
  v_expires timestamptz := coalesce(p_expires_at, now() + interval '1 year');
  v_new     record;
  v_key     public.api_keys%rowtype;
begin
  perform private.authorize_api_key_admin(p_org_id);
  if p_name is null or length(btrim(p_name)) not between 1 and 100 then
    perform private.raise_api_error('invalid_parameter', 'An API key name is 1 to 100 characters');
  end if;
  v_scopes := private.normalize_api_key_scopes(p_scopes);
  if v_expires <= now() or v_expires > now() + interval '2 years' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('An API key must expire in the future and within 2 years (got %s)', v_expires));
  end if;

  -- 40 random bits of prefix: a collision is unlikely but possible; draw again.
  for i in 1 .. 5 loop
    v_new := private.new_api_key_secret();
    begin
      insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, created_by, expires_at)
      values (p_org_id, btrim(p_name), v_new.prefix, v_new.secret_hash, v_scopes, auth.uid(), v_expires)
      returning * into v_key;
      exit;
    exception when unique_violation then
      if i = 5 then raise; end if;
    end;
  end loop;

  perform private.notify_api_key_event(v_key, 'created',
    format('Scopes: %s. Expires %s.', array_to_string(v_key.scopes, ', '), to_char(v_key.expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));

  return jsonb_build_object(
    'id', v_key.id, 'org_id', v_key.org_id, 'name', v_key.name, 'prefix', v_key.prefix,
    'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'secret', v_new.secret);
end;
$function$;

CREATE OR REPLACE FUNCTION public.rotate_api_key(p_key_id uuid, p_grace interval DEFAULT '24:00:00'::interval)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_old     public.api_keys%rowtype := private.api_key_for_admin(p_key_id);
  v_grace   interval := coalesce(p_grace, interval '24 hours');
  v_status  text := private.api_key_status(v_old);
  v_new     record;
  v_key     public.api_keys%rowtype;
  v_expires timestamptz;
begin
  if v_grace < interval '0' or v_grace > interval '7 days' then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('A rotation grace period is between 0 and 7 days (got %s)', v_grace));
  end if;
  if v_status <> 'active' then
    perform private.raise_api_error('invalid_transition', pg_catalog.format('API key %s is %s and cannot be rotated', v_old.prefix, v_status));
  end if;
  -- The new key lives as long as the old one was meant to (at most 2 years).
  v_expires := now() + least(v_old.expires_at - v_old.created_at, interval '2 years');

  for i in 1 .. 5 loop
    v_new := private.new_api_key_secret();
    begin
      perform private.set_audit_reason(format('api_key_rotated: %s replaced by %s, old key valid until %s',
        v_old.prefix, v_new.prefix, least(now() + v_grace, v_old.expires_at)));
      insert into public.api_keys (org_id, name, prefix, secret_hash, scopes, created_by, expires_at, rotated_from)
      values (v_old.org_id, v_old.name, v_new.prefix, v_new.secret_hash, v_old.scopes, auth.uid(), v_expires, v_old.id)
      returning * into v_key;
      exit;
    exception when unique_violation then
      if i = 5 then raise; end if;
    end;
  end loop;
  update public.api_keys k set grace_until = least(now() + v_grace, k.expires_at)
  where k.id = v_old.id
  returning * into v_old;
  perform private.set_audit_reason(null);

  perform private.notify_api_key_event(v_old, 'rotated',
    format('New key %s; the old key works until %s.', v_key.prefix,
           to_char(v_old.grace_until at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));

  return jsonb_build_object(
    'id', v_key.id, 'org_id', v_key.org_id, 'name', v_key.name, 'prefix', v_key.prefix,
    'scopes', to_jsonb(v_key.scopes), 'expires_at', v_key.expires_at, 'secret', v_new.secret,
    'rotated_from', jsonb_build_object('id', v_old.id, 'prefix', v_old.prefix, 'grace_until', v_old.grace_until));
end;
$function$;

CREATE OR REPLACE FUNCTION private.rate_limit_hit(p_key text, p_bucket text, p_dry_run boolean, OUT allowed boolean, OUT remaining integer, OUT retry_after_seconds integer, OUT max_hits integer, OUT window_seconds integer)
 RETURNS record
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_start timestamptz;
  v_hits  integer;
begin
  if p_key is null or length(p_key) not between 1 and 200 then
    perform private.raise_api_error('invalid_parameter', 'A rate-limit key is 1 to 200 characters');
  end if;
  select coalesce(
           (select o.max_hits from private.rate_limit_overrides o
            where o.key = p_key and o.bucket in (p_bucket, '*')
            order by o.bucket = '*' limit 1),
           p.max_hits),
         p.window_seconds
    into max_hits, window_seconds
  from private.rate_limit_presets p
  where p.bucket = p_bucket;
  if not found then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown rate-limit bucket: %s', p_bucket));
  end if;

  v_start := date_bin(make_interval(secs => window_seconds), now(), timestamptz '2000-01-01 00:00:00+00');
  if p_dry_run then
    select coalesce(max(b.hits), 0) + 1 into v_hits
    from private.rate_limit_buckets b
    where b.key = p_key and b.bucket = p_bucket and b.window_start = v_start;
  else
    insert into private.rate_limit_buckets as b (key, bucket, window_start, hits)
    values (p_key, p_bucket, v_start, 1)
    on conflict (key, bucket, window_start) do update set hits = b.hits + 1
    returning b.hits into v_hits;
  end if;

  allowed := v_hits <= max_hits;
  remaining := greatest(max_hits - v_hits, 0);
  retry_after_seconds := case
    when allowed then 0
    else greatest(ceil(extract(epoch from v_start + make_interval(secs => window_seconds) - now()))::integer, 1)
  end;
end;
$function$;
