-- The refusal of an attachment kind the caller's role may not upload reads as
-- English: "An accountant may not upload alert_sound attachments", "A client
-- may not upload document attachments". It said "A accountant" (and would
-- have said "A owner", "A admin"): the article now follows the role name's
-- first letter. All the roles (member_role) are spelt as they sound, so a
-- vowel letter is a vowel sound. The web app's French wording matches both
-- articles (web/src/i18n/apiErrors.ts). Nothing else of the function changes.

create or replace function public.create_attachment_upload(
  p_owner_type public.attachment_owner_type,
  p_owner_id uuid,
  p_mime text,
  p_size_bytes bigint,
  p_upload_id uuid,
  p_original_name text default null
)
returns public.attachments
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_uid       uuid := auth.uid();
  v_type      private.attachment_types;
  v_mime      text := pg_catalog.lower(pg_catalog.btrim(pg_catalog.split_part(coalesce(p_mime, ''), ';', 1)));
  v_extension text;
  v_org       uuid;
  v_mission   uuid;
  v_client    uuid;
  v_role      public.member_role;
  v_row       public.attachments;
  v_limit     record;
  v_id        uuid := gen_random_uuid();
begin
  if v_uid is null then
    perform private.raise_api_error('authentication_required', 'Sign in to upload files');
  end if;
  if p_owner_type is null or p_owner_id is null or p_upload_id is null or p_size_bytes is null then
    perform private.raise_api_error('missing_parameter', 'p_owner_type, p_owner_id, p_mime, p_size_bytes and p_upload_id are required');
  end if;

  select a.* into v_row from public.attachments a where a.upload_id = p_upload_id;
  if found then
    if v_row.uploader <> v_uid then
      perform private.raise_api_error('idempotency_key_reused', 'This upload_id belongs to another upload');
    end if;
    return v_row;
  end if;

  -- The owner row, whichever table it lives in, and what the policies need of it.
  case p_owner_type
    when 'mission_photo' then
      select m.org_id, m.id, m.client_id into v_org, v_mission, v_client from public.missions m where m.id = p_owner_id;
    when 'document' then
      select c.org_id, null::uuid, c.id into v_org, v_mission, v_client from public.clients c where c.id = p_owner_id;
    when 'client_request' then
      select r.org_id, null::uuid, r.client_id into v_org, v_mission, v_client from public.client_requests r where r.id = p_owner_id;
    when 'expense' then
      -- A receipt is the technician's and the office's business, never the portal client's.
      select t.org_id, t.mission_id, null::uuid into v_org, v_mission, v_client from public.timesheets t where t.id = p_owner_id;
    when 'alert_sound' then
      select o.id, null::uuid, null::uuid into v_org, v_mission, v_client from public.organizations o where o.id = p_owner_id;
  end case;

  select m.role into v_role from public.memberships m where m.org_id = v_org and m.user_id = v_uid;
  -- The attachments_select rule, for the row about to exist: who would not see
  -- it learns nothing, not even that the owner exists.
  -- (coalesce: an owner without mission or client is not visible to a
  -- technician or a portal user, where the comparison yields null.)
  if v_role is null
     or not coalesce(v_role in ('owner', 'admin', 'dispatcher', 'accountant')
                     or (v_role = 'technician' and v_mission in (select private.my_assigned_mission_ids()))
                     or (v_role = 'client' and v_client = any (private.my_client_ids())), false) then
    perform private.raise_api_error('not_found', pg_catalog.format('No %s owner %s', p_owner_type, p_owner_id));
  end if;

  select t.* into v_type from private.attachment_types t where t.owner_type = p_owner_type;
  if not (v_role = any (v_type.uploader_roles)) then
    perform private.raise_api_error('forbidden_role',
      pg_catalog.format('%s %s may not upload %s attachments',
        case when pg_catalog.left(v_role::text, 1) in ('a', 'e', 'i', 'o', 'u') then 'An' else 'A' end, v_role, p_owner_type));
  end if;

  select m.extension into v_extension from private.attachment_type_mimes m
  where m.owner_type = p_owner_type and m.mime = v_mime;
  if v_extension is null then
    perform private.raise_api_error('unsupported_media_type',
      pg_catalog.format('%s is not accepted for %s attachments (accepted: %s)', coalesce(nullif(v_mime, ''), 'no type'), p_owner_type,
        (select pg_catalog.string_agg(m.mime, ', ' order by m.mime) from private.attachment_type_mimes m where m.owner_type = p_owner_type)));
  end if;
  if p_size_bytes <= 0 then
    perform private.raise_api_error('validation_failed', 'p_size_bytes must be positive');
  end if;
  if p_size_bytes > v_type.max_bytes then
    perform private.raise_api_error('payload_too_large',
      pg_catalog.format('%s bytes is over the %s-byte limit of %s attachments', p_size_bytes, v_type.max_bytes, p_owner_type));
  end if;
  if pg_catalog.char_length(p_original_name) > 200 then
    perform private.raise_api_error('value_too_long', 'p_original_name is longer than 200 characters');
  end if;

  select l.* into v_limit from private.consume_rate_limit('user:' || v_uid, 'UPLOAD') l;
  if not v_limit.allowed then
    perform private.raise_rate_limited(v_limit.retry_after_seconds,
      pg_catalog.format('Too many uploads: retry in %s seconds', v_limit.retry_after_seconds));
  end if;

  insert into public.attachments (id, org_id, owner_type, owner_id, mission_id, client_id, uploader, bucket, object_path,
                                  mime, size_bytes, upload_id, original_name)
  values (v_id, v_org, p_owner_type, p_owner_id, v_mission, v_client, v_uid, 'attachments',
          pg_catalog.format('%s/%s/%s/%s.%s', v_org, p_owner_type, p_owner_id, v_id, v_extension),
          v_mime, p_size_bytes, p_upload_id, p_original_name)
  returning * into v_row;
  return v_row;
end;
$$;
