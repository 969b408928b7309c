-- File attachments: the rows that say which stored object belongs to what.
--
-- A file is attached to one owner row: a mission photo to a mission, a
-- document to a client, a client request's file to the request, an expense
-- receipt to a timesheet entry, an alert sound to the organization. The bytes
-- live in Storage (bucket `attachments`, see the next migration) at
-- `<org_id>/<owner_type>/<owner_id>/<uuid>.<ext>`; this table holds the
-- metadata, the SHA-256 of the stored bytes and the upload's state:
--
--   create_attachment_upload  → pending row (+ a signed upload URL, from the attachments function)
--   finalize_attachment       → ready, once the object is in Storage with the declared size and type
--
-- What may be uploaded is data (private.attachment_types and
-- private.attachment_type_mimes): a size limit and a MIME allow-list per kind.
-- Who sees an attachment follows its owner: the row carries the mission and
-- client its owner belongs to, and the policies use the same helpers and
-- scopes as missions (org roles, the technician's assigned missions, the
-- portal user's client). Rows are written only by the functions below
-- (definer) and deleted under RLS by the uploader or an owner/admin.

create type public.attachment_owner_type as enum ('mission_photo', 'document', 'client_request', 'expense', 'alert_sound');

comment on type public.attachment_owner_type is
  'What an attachment belongs to: mission_photo → missions, document → clients, client_request → client_requests, expense → timesheets, alert_sound → organizations.';

-- -----------------------------------------------------------------------------
-- The rules per kind, as data.
-- -----------------------------------------------------------------------------
create table private.attachment_types (
  owner_type     public.attachment_owner_type primary key,
  -- Largest file accepted, in bytes (the bucket's limit is the largest of these).
  max_bytes      bigint not null check (max_bytes > 0 and max_bytes <= 8 * 1024 * 1024),
  -- Organization roles that may upload this kind (on an owner they can see).
  uploader_roles public.member_role[] not null check (pg_catalog.cardinality(uploader_roles) > 0),
  description    text not null check (pg_catalog.char_length(description) between 10 and 500)
);

comment on table private.attachment_types is
  'Per kind of attachment: size limit and the roles that may upload it. The MIME allow-list is private.attachment_type_mimes.';

create table private.attachment_type_mimes (
  owner_type public.attachment_owner_type not null references private.attachment_types (owner_type),
  mime       text not null check (mime ~ '^[a-z]+/[a-z0-9.+-]+$'),
  -- Extension of the stored object's name (its path says what it is).
  extension  text not null check (extension ~ '^[a-z0-9]{1,8}$'),
  primary key (owner_type, mime)
);

comment on table private.attachment_type_mimes is
  'MIME allow-list per kind of attachment, with the extension given to stored objects of that type.';

alter table private.attachment_types enable row level security;
alter table private.attachment_type_mimes enable row level security;
revoke all on private.attachment_types, private.attachment_type_mimes from public, anon, authenticated;
grant select on private.attachment_types, private.attachment_type_mimes to service_role;

insert into private.attachment_types (owner_type, max_bytes, uploader_roles, description) values
  ('mission_photo',  8388608, '{owner,admin,dispatcher,technician}', 'Photos taken on a mission (before/after, installation plates, damage).'),
  ('document',       8388608, '{owner,admin,dispatcher,accountant}', 'Documents of a client: contracts, certificates, plans.'),
  ('client_request', 8388608, '{owner,admin,dispatcher,technician,client}', 'Files joined to a client request (photos of the problem, a PDF).'),
  ('expense',        4194304, '{owner,admin,technician}', 'Expense receipts of a timesheet entry.'),
  ('alert_sound',    1048576, '{owner,admin}', 'The sound the dispatch board plays for an alert.');

insert into private.attachment_type_mimes (owner_type, mime, extension) values
  ('mission_photo', 'image/jpeg', 'jpg'), ('mission_photo', 'image/png', 'png'),
  ('mission_photo', 'image/webp', 'webp'), ('mission_photo', 'image/heic', 'heic'),
  ('document', 'application/pdf', 'pdf'), ('document', 'image/jpeg', 'jpg'), ('document', 'image/png', 'png'),
  ('client_request', 'image/jpeg', 'jpg'), ('client_request', 'image/png', 'png'),
  ('client_request', 'image/webp', 'webp'), ('client_request', 'application/pdf', 'pdf'),
  ('expense', 'image/jpeg', 'jpg'), ('expense', 'image/png', 'png'), ('expense', 'application/pdf', 'pdf'),
  ('alert_sound', 'audio/mpeg', 'mp3'), ('alert_sound', 'audio/ogg', 'ogg'), ('alert_sound', 'audio/wav', 'wav');

-- -----------------------------------------------------------------------------
-- The table
-- -----------------------------------------------------------------------------
create table public.attachments (
  id            uuid primary key default gen_random_uuid(),
  org_id        uuid not null references public.organizations (id),
  owner_type    public.attachment_owner_type not null,
  owner_id      uuid not null,
  -- Copied from the owner row when the upload is registered: what the policies
  -- filter on (the mission a technician must be assigned to, the portal client).
  mission_id    uuid,
  client_id     uuid,
  uploader      uuid not null references auth.users (id),
  bucket        text not null constraint attachments_bucket_length check (pg_catalog.char_length(bucket) <= 100),
  object_path   text not null constraint attachments_object_path_length check (pg_catalog.char_length(object_path) <= 300),
  mime          text not null constraint attachments_mime_length check (pg_catalog.char_length(mime) <= 100),
  size_bytes    bigint not null check (size_bytes > 0),
  -- SHA-256 (hex) of the stored bytes, set when the upload is finalized.
  sha256        text constraint attachments_sha256_format check (sha256 ~ '^[0-9a-f]{64}$'),
  status        text not null default 'pending' check (status in ('pending', 'ready')),
  -- The client's id for the upload: registering or finalizing it again is a no-op.
  upload_id     uuid not null,
  original_name text constraint attachments_original_name_length check (pg_catalog.char_length(original_name) <= 200),
  created_at    timestamptz not null default pg_catalog.now(),
  updated_at    timestamptz not null default pg_catalog.now(),
  finalized_at  timestamptz,
  constraint attachments_upload_id_key unique (upload_id),
  constraint attachments_object_key unique (bucket, object_path),
  constraint attachments_org_id_id_key unique (org_id, id),
  constraint attachments_ready_has_sha256 check ((status = 'ready') = (sha256 is not null and finalized_at is not null)),
  constraint attachments_mission_fkey foreign key (org_id, mission_id) references public.missions (org_id, id) on delete cascade,
  constraint attachments_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id) on delete cascade
);

comment on table public.attachments is
  'Files attached to missions, clients, client requests, timesheets (expenses) and organizations (alert sounds): the Storage object, its size, type and SHA-256, pending until finalized. Written by create_attachment_upload / finalize_attachment; visible to whoever sees the owner (same scopes as missions).';

-- Every column a policy filters on, and the owner lookups of the function.
create index attachments_org_id_created_at_idx on public.attachments (org_id, created_at desc);
create index attachments_mission_id_idx on public.attachments (mission_id) where mission_id is not null;
create index attachments_client_id_idx on public.attachments (client_id) where client_id is not null;
create index attachments_uploader_idx on public.attachments (uploader);
create index attachments_owner_idx on public.attachments (owner_id, owner_type, created_at desc);
-- The orphan clean-up reads old pending uploads.
create index attachments_pending_created_at_idx on public.attachments (created_at) where status = 'pending';

alter table public.attachments enable row level security;

create policy attachments_select on public.attachments for select to authenticated using (
  (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]))::uuid[]))
  or ((org_id = any ((select private.my_org_ids_as('{technician}'::public.member_role[]))::uuid[]))
      and (mission_id in (select private.my_assigned_mission_ids())))
  or ((org_id = any ((select private.my_org_ids_as('{client}'::public.member_role[]))::uuid[]))
      and (client_id = any ((select private.my_client_ids())::uuid[])))
);

-- Owners and admins remove any attachment of their organization; everyone
-- else only what they uploaded.
create policy attachments_delete on public.attachments for delete to authenticated using (
  (org_id = any ((select private.my_org_ids_as('{owner,admin}'::public.member_role[]))::uuid[]))
  or ((uploader = (select auth.uid()))
      and (org_id = any ((select private.my_org_ids_as('{dispatcher,technician,accountant,client}'::public.member_role[]))::uuid[])))
);

revoke all on table public.attachments from public, anon, authenticated, service_role;
grant select, delete on table public.attachments to authenticated;
grant select, insert, update, delete on table public.attachments to service_role;

select audit.enable_for('public.attachments');

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.attachments', 'owner', 'select', 'org', 'Every attachment of the organization.'),
  ('public.attachments', 'admin', 'select', 'org', 'Every attachment of the organization.'),
  ('public.attachments', 'dispatcher', 'select', 'org', 'Every attachment of the organization.'),
  ('public.attachments', 'accountant', 'select', 'org', 'Every attachment of the organization (expense receipts, documents).'),
  ('public.attachments', 'technician', 'select', 'assigned', 'Attachments of the missions assigned (or open) to them: photos, and the receipts of timesheet entries on those missions.'),
  ('public.attachments', 'client', 'select', 'client', 'Attachments of their client: photos of their missions, their documents and requests.'),
  ('public.attachments', 'owner', 'delete', 'org', 'Any attachment of the organization; uploads go through the attachments function (create_attachment_upload, finalize_attachment).'),
  ('public.attachments', 'admin', 'delete', 'org', 'Any attachment of the organization; uploads go through the attachments function (create_attachment_upload, finalize_attachment).'),
  ('public.attachments', 'dispatcher', 'delete', 'own', 'What they uploaded.'),
  ('public.attachments', 'technician', 'delete', 'own', 'What they uploaded.'),
  ('public.attachments', 'accountant', 'delete', 'own', 'What they uploaded.'),
  ('public.attachments', 'client', 'delete', 'own', 'What they uploaded.');

-- -----------------------------------------------------------------------------
-- Registering an upload (the pending row)
-- -----------------------------------------------------------------------------
-- Definer: it reads the owner row whatever its table's policies, then applies
-- the attachments_select rule itself (same helpers), so a caller registers a
-- file only on an owner whose attachments they would see; a role the kind does
-- not list gets 403. Checks in order: the owner exists and is visible (404),
-- the role (403), the MIME type (415), the size (413), then the UPLOAD rate
-- limit (10 per minute per user, private.rate_limit_presets), counted only
-- for uploads that pass the checks. Replaying an upload_id returns the row
-- registered the first time, uncounted.
create function public.create_attachment_upload(
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
      pg_catalog.format('A %s may not upload %s attachments', v_role, p_owner_type));
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

comment on function public.create_attachment_upload(public.attachment_owner_type, uuid, text, bigint, uuid, text) is
  'Registers a pending upload (idempotent on p_upload_id) for an owner the caller sees: role allowed for the kind (403), MIME allow-list (415), size limit (413), UPLOAD rate limit (429 + Retry-After). Returns the row; its object_path is where the file goes (the attachments function signs the upload URL).';

revoke all on function public.create_attachment_upload(public.attachment_owner_type, uuid, text, bigint, uuid, text) from public;
grant execute on function public.create_attachment_upload(public.attachment_owner_type, uuid, text, bigint, uuid, text) to authenticated;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable',
   'public.create_attachment_upload(public.attachment_owner_type,uuid,text,bigint,uuid,text)',
   'Definer to read the owner row and insert the pending attachment (authenticated holds no insert on attachments); it applies the attachments_select rule to the caller itself (membership role, assigned missions, portal client: the policy''s helpers) and the kind''s uploader roles before writing.');

-- -----------------------------------------------------------------------------
-- Finalizing an upload
-- -----------------------------------------------------------------------------
-- Service role only: the SHA-256 is computed by the attachments function from
-- the bytes it reads back from Storage, and a caller must not be able to
-- record one of their own. The function passes the caller's user id; only the
-- uploader finalizes. The object must exist in Storage with the declared size
-- and type (storage.objects.metadata, as Storage writes it). Finalizing a
-- ready attachment again returns it unchanged.
create function public.finalize_attachment(p_upload_id uuid, p_uploader uuid, p_sha256 text)
returns public.attachments
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row      public.attachments;
  v_metadata jsonb;
  v_size     bigint;
  v_mime     text;
begin
  select a.* into v_row from public.attachments a
  where a.upload_id = p_upload_id and a.uploader = p_uploader
  for update;
  if not found then
    perform private.raise_api_error('not_found', pg_catalog.format('No upload %s of yours', p_upload_id));
  end if;
  if v_row.status = 'ready' then
    return v_row;
  end if;

  select o.metadata into v_metadata from storage.objects o
  where o.bucket_id = v_row.bucket and o.name = v_row.object_path;
  if not found then
    perform private.raise_api_error('attachment_not_uploaded',
      pg_catalog.format('Nothing was uploaded for upload %s yet', p_upload_id));
  end if;
  v_size := (v_metadata ->> 'size')::bigint;
  v_mime := pg_catalog.lower(pg_catalog.btrim(pg_catalog.split_part(coalesce(v_metadata ->> 'mimetype', ''), ';', 1)));
  if v_size is distinct from v_row.size_bytes then
    perform private.raise_api_error('attachment_mismatch',
      pg_catalog.format('The stored file has %s bytes, the upload declared %s', coalesce(v_size::text, 'no size'), v_row.size_bytes));
  end if;
  if v_mime is distinct from v_row.mime then
    perform private.raise_api_error('attachment_mismatch',
      pg_catalog.format('The stored file is %s, the upload declared %s', coalesce(nullif(v_mime, ''), 'untyped'), v_row.mime));
  end if;
  if p_sha256 is null or p_sha256 !~ '^[0-9a-f]{64}$' then
    perform private.raise_api_error('invalid_parameter', 'p_sha256 must be 64 lower-case hex digits');
  end if;

  update public.attachments a
  set status = 'ready', sha256 = p_sha256, finalized_at = pg_catalog.now(), updated_at = pg_catalog.now()
  where a.id = v_row.id
  returning * into v_row;
  return v_row;
end;
$$;

comment on function public.finalize_attachment(uuid, uuid, text) is
  'Marks the uploader''s pending upload ready with the SHA-256 of the stored bytes, once Storage holds the object with the declared size and MIME type (422 otherwise). Idempotent on p_upload_id. Service role only (the attachments function).';

revoke all on function public.finalize_attachment(uuid, uuid, text) from public;
grant execute on function public.finalize_attachment(uuid, uuid, text) to service_role;
