-- =============================================================================
-- Supabase compatibility layer — the `storage` schema.
--
-- LOCAL STACK ONLY, applied after 20_auth.sql on every start, never a
-- migration. On a hosted Supabase project (or `supabase start`) Supabase
-- Storage owns and migrates this schema itself; here the LOCAL STORAGE
-- STAND-IN (scripts/stack/storage/) reads and writes it, so tables, columns and
-- helper functions keep Storage's names and types: a migration that creates a
-- bucket (`insert into storage.buckets … on conflict do nothing`) or a policy on
-- storage.objects runs unchanged against both.
--
-- Only the part of Storage's schema the stand-in uses is created (buckets,
-- objects, foldername/filename/extension). Every statement is idempotent.
-- =============================================================================

do $roles$
begin
  -- The role Storage connects as; it switches to the caller's API role per
  -- request (set local role + request.jwt.claims) so RLS on storage.objects
  -- decides, exactly as Supabase Storage does. LOCAL DEVELOPMENT password.
  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin login noinherit createrole password 'postgres';
  end if;
end
$roles$;

grant anon, authenticated, service_role to supabase_storage_admin;
grant supabase_storage_admin to postgres;
alter role supabase_storage_admin set search_path = storage;

create schema if not exists storage authorization supabase_storage_admin;
alter schema storage owner to supabase_storage_admin;
grant usage on schema storage to postgres, anon, authenticated, service_role;

-- -----------------------------------------------------------------------------
-- storage.buckets — Storage's columns (id and name are the bucket's name).
-- -----------------------------------------------------------------------------
create table if not exists storage.buckets (
  id                 text not null,
  name               text not null,
  owner              uuid,
  created_at         timestamptz default now(),
  updated_at         timestamptz default now(),
  public             boolean default false,
  avif_autodetection boolean default false,
  file_size_limit    bigint,
  allowed_mime_types text[],
  owner_id           text,
  constraint buckets_pkey primary key (id)
);
alter table storage.buckets owner to supabase_storage_admin;
create unique index if not exists bname on storage.buckets using btree (name);
comment on table storage.buckets is 'Storage buckets. (Local stand-in schema; Supabase Storage owns it in production.)';

-- -----------------------------------------------------------------------------
-- storage.objects — one row per stored file; `metadata` carries size and
-- mimetype as Storage writes them (plus eTag, cacheControl, lastModified…).
-- -----------------------------------------------------------------------------
create table if not exists storage.objects (
  id               uuid not null default gen_random_uuid(),
  bucket_id        text,
  name             text,
  owner            uuid,
  created_at       timestamptz default now(),
  updated_at       timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata         jsonb,
  path_tokens      text[] generated always as (pg_catalog.string_to_array(name, '/')) stored,
  version          text,
  owner_id         text,
  user_metadata    jsonb,
  constraint objects_pkey primary key (id),
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
alter table storage.objects owner to supabase_storage_admin;
create unique index if not exists bucketid_objname on storage.objects using btree (bucket_id, name);
create index if not exists name_prefix_search on storage.objects using btree (name text_pattern_ops);
comment on table storage.objects is 'Storage objects. (Local stand-in schema; Supabase Storage owns it in production.)';

-- RLS as on Supabase: on for both tables, no policy shipped (deny by default);
-- projects add policies on storage.objects in their migrations.
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

-- Supabase's grants: the API roles hold table privileges and RLS filters them.
grant all on storage.buckets, storage.objects to anon, authenticated, service_role, postgres;

-- -----------------------------------------------------------------------------
-- Path helpers, as Storage defines them (policies call them on `name`).
-- -----------------------------------------------------------------------------
create or replace function storage.foldername(name text)
returns text[]
language plpgsql
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text)
returns text
language plpgsql
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text)
returns text
language plpgsql
as $$
declare
  _parts text[];
  _filename text;
begin
  select string_to_array(name, '/') into _parts;
  select _parts[array_length(_parts, 1)] into _filename;
  return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to anon, authenticated, service_role, postgres;
