-- =============================================================================
-- Supabase compatibility layer — the `auth` schema.
--
-- LOCAL STACK ONLY, applied after 10_roles.sql on every start, never a
-- migration. On a hosted Supabase project (or `supabase start`) Supabase Auth
-- (GoTrue) owns and migrates this schema itself; here the LOCAL AUTH STAND-IN
-- (scripts/stack/auth/) reads and writes it, so the tables keep GoTrue's names,
-- columns and types: an app, a seed or a trigger written against this schema
-- works unchanged against the real one.
--
-- Only the part of GoTrue's schema the stand-in uses is created (users,
-- identities, sessions, refresh_tokens). Every statement is idempotent: the
-- file can run on a database where all of it already exists.
-- =============================================================================

create schema if not exists auth authorization supabase_auth_admin;
alter schema auth owner to supabase_auth_admin;

-- The API roles may resolve auth.uid() & co; they get no table privilege below.
grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema auth to postgres;

-- The auth server hashes passwords with pgcrypto, which lives in `extensions`.
grant usage on schema extensions to supabase_auth_admin;

-- As on Supabase: the auth server's unqualified names resolve in `auth`.
-- (The stand-in schema-qualifies everything anyway.)
alter role supabase_auth_admin set search_path = auth;

-- -----------------------------------------------------------------------------
-- Types
-- -----------------------------------------------------------------------------
do $types$
begin
  if not exists (
    select from pg_catalog.pg_type t
    join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'auth' and t.typname = 'aal_level'
  ) then
    create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
  end if;
end
$types$;
alter type auth.aal_level owner to supabase_auth_admin;

-- -----------------------------------------------------------------------------
-- auth.users — GoTrue's column list and types, verbatim (varchar(255) and
-- nullable timestamps included), so that `insert into auth.users (...)` seeds
-- written for Supabase run here too.
-- -----------------------------------------------------------------------------
create table if not exists auth.users (
  instance_id                 uuid,
  id                          uuid not null,
  aud                         varchar(255),
  role                        varchar(255),
  email                       varchar(255),
  encrypted_password          varchar(255),
  email_confirmed_at          timestamptz,
  invited_at                  timestamptz,
  confirmation_token          varchar(255),
  confirmation_sent_at        timestamptz,
  recovery_token              varchar(255),
  recovery_sent_at            timestamptz,
  email_change_token_new      varchar(255),
  email_change                varchar(255),
  email_change_sent_at        timestamptz,
  last_sign_in_at             timestamptz,
  raw_app_meta_data           jsonb,
  raw_user_meta_data          jsonb,
  is_super_admin              boolean,
  created_at                  timestamptz,
  updated_at                  timestamptz,
  phone                       text default null,
  phone_confirmed_at          timestamptz,
  phone_change                text default '',
  phone_change_token          varchar(255) default '',
  phone_change_sent_at        timestamptz,
  confirmed_at                timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current  varchar(255) default '',
  email_change_confirm_status smallint default 0,
  banned_until                timestamptz,
  reauthentication_token      varchar(255) default '',
  reauthentication_sent_at    timestamptz,
  is_sso_user                 boolean not null default false,
  deleted_at                  timestamptz,
  is_anonymous                boolean not null default false,
  constraint users_pkey primary key (id),
  constraint users_phone_key unique (phone),
  constraint users_email_change_confirm_status_check
    check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2)
);
alter table auth.users owner to supabase_auth_admin;
comment on table auth.users is 'Auth: Stores user login data within a secure schema. (Local stand-in schema; Supabase Auth owns it in production.)';
comment on column auth.users.is_sso_user is 'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';

-- One account per address among non-SSO users. GoTrue's own index is on
-- `email` (it lower-cases on write); indexing lower(email) also protects
-- against a hand-written seed that does not, and serves the sign-in lookup.
create unique index if not exists users_email_partial_key
  on auth.users (lower(email))
  where is_sso_user = false and email is not null;
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);

-- -----------------------------------------------------------------------------
-- auth.identities — one row per (provider, provider user id); the stand-in
-- writes the `email` identity GoTrue writes when an admin creates a user.
-- -----------------------------------------------------------------------------
create table if not exists auth.identities (
  provider_id     text not null,
  user_id         uuid not null,
  identity_data   jsonb not null,
  provider        text not null,
  last_sign_in_at timestamptz,
  created_at      timestamptz,
  updated_at      timestamptz,
  email           text generated always as (lower(identity_data ->> 'email')) stored,
  id              uuid not null default gen_random_uuid(),
  constraint identities_pkey primary key (id),
  constraint identities_provider_id_provider_unique unique (provider_id, provider),
  constraint identities_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade
);
alter table auth.identities owner to supabase_auth_admin;
comment on table auth.identities is 'Auth: Stores identities associated to a user.';
create index if not exists identities_user_id_idx on auth.identities (user_id);
create index if not exists identities_email_idx on auth.identities (email text_pattern_ops);

-- -----------------------------------------------------------------------------
-- auth.sessions — one row per sign-in. Deleting the row is what "logged out"
-- means: access tokens carry session_id and are refused once it is gone.
-- -----------------------------------------------------------------------------
create table if not exists auth.sessions (
  id           uuid not null,
  user_id      uuid not null,
  created_at   timestamptz,
  updated_at   timestamptz,
  factor_id    uuid,
  aal          auth.aal_level,
  not_after    timestamptz,
  refreshed_at timestamp without time zone,
  user_agent   text,
  ip           inet,
  tag          text,
  constraint sessions_pkey primary key (id),
  constraint sessions_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade
);
alter table auth.sessions owner to supabase_auth_admin;
comment on table auth.sessions is 'Auth: Stores session data associated to a user.';
comment on column auth.sessions.not_after is 'Auth: Not after is a nullable column that contains a timestamp after which the session should be regarded as expired.';
create index if not exists sessions_user_id_idx on auth.sessions (user_id);
create index if not exists user_id_created_at_idx on auth.sessions (user_id, created_at);
create index if not exists sessions_not_after_idx on auth.sessions (not_after desc);

-- -----------------------------------------------------------------------------
-- auth.refresh_tokens — GoTrue's shape (user_id is varchar(255) there too).
-- The stand-in stores the SHA-256 hex digest of each refresh token in `token`
-- (and of the parent in `parent`), never the token itself: a copy of this
-- table does not let anyone refresh a session.
-- -----------------------------------------------------------------------------
create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id          bigserial not null,
  token       varchar(255),
  user_id     varchar(255),
  revoked     boolean,
  created_at  timestamptz,
  updated_at  timestamptz,
  parent      varchar(255),
  session_id  uuid,
  constraint refresh_tokens_pkey primary key (id),
  constraint refresh_tokens_token_unique unique (token),
  constraint refresh_tokens_session_id_fkey foreign key (session_id) references auth.sessions (id) on delete cascade
);
alter table auth.refresh_tokens owner to supabase_auth_admin;
comment on table auth.refresh_tokens is 'Auth: Store of tokens used to refresh JWT tokens once they expire. (Local stand-in: `token` and `parent` hold SHA-256 hex digests.)';
-- `token` is looked up through refresh_tokens_token_unique.
create index if not exists refresh_tokens_instance_id_idx on auth.refresh_tokens (instance_id);
create index if not exists refresh_tokens_instance_id_user_id_idx on auth.refresh_tokens (instance_id, user_id);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_updated_at_idx on auth.refresh_tokens (updated_at desc);

-- Nothing in auth is readable through the API roles: PostgREST never exposes
-- this schema, and RLS policies only ever need the functions below.
revoke all on auth.users, auth.identities, auth.sessions, auth.refresh_tokens from anon, authenticated, service_role;

-- -----------------------------------------------------------------------------
-- Claim helpers, exactly as Supabase defines them. PostgREST 12 sets only
-- `request.jwt.claims`; the `request.jwt.claim.<x>` branch is the older
-- PostgREST convention, still handy in tests (`set local request.jwt.claim.sub`).
-- -----------------------------------------------------------------------------
create or replace function auth.uid()
returns uuid
language sql stable
as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role()
returns text
language sql stable
as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email()
returns text
language sql stable
as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt()
returns jsonb
language sql stable
as $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;

comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role, postgres;
