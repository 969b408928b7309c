-- =============================================================================
-- Tenancy: organizations (the legal identity printed on invoices), who belongs
-- to which organization in which role, and a profile per auth user.
--
-- Every business table that follows carries org_id; its unique and foreign
-- keys include org_id so rows can never point across tenants (and the schema
-- can be distributed by org_id later).
-- =============================================================================

-- Internal helpers live outside the API schema: PostgREST exposes `public`
-- only, so nothing here is callable as an RPC.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create type public.member_role as enum ('owner', 'admin', 'dispatcher', 'technician', 'accountant', 'client');
comment on type public.member_role is
  'owner/admin run the organization; dispatcher plans missions; technician works them; '
  'accountant handles money; client is a portal user bound to one client.';

-- SIREN and SIRET carry a Luhn check digit (INSEE). Checking it catches the
-- typo that would otherwise be printed on every invoice.
create function private.luhn_ok(digits text)
returns boolean
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select digits ~ '^[0-9]+$'
     and (
       select sum(case when (length(digits) - i) % 2 = 1
                         then (substr(digits, i, 1)::int * 2) / 10 + (substr(digits, i, 1)::int * 2) % 10
                       else substr(digits, i, 1)::int end) % 10 = 0
       from generate_series(1, length(digits)) as i
     )
$$;
comment on function private.luhn_ok(text) is 'Luhn checksum, as used by SIREN (9 digits) and SIRET (14 digits).';

create table public.organizations (
  id                         uuid primary key default gen_random_uuid(),
  name                       text not null check (length(btrim(name)) between 1 and 200),
  legal_form                 text check (legal_form is null or length(btrim(legal_form)) between 1 and 50),
  share_capital_cents        bigint check (share_capital_cents is null or share_capital_cents >= 0),
  siren                      text check (siren is null or (siren ~ '^[0-9]{9}$' and private.luhn_ok(siren))),
  siret                      text check (siret is null or (siret ~ '^[0-9]{14}$' and private.luhn_ok(siret))),
  vat_number                 text check (vat_number is null or vat_number ~ '^FR[0-9A-Z]{2}[0-9]{9}$'),
  rcs_city                   text,
  address_line1              text,
  address_line2              text,
  postal_code                text,
  city                       text,
  country_code               text not null default 'FR' check (country_code ~ '^[A-Z]{2}$'),
  email                      text,
  phone                      text,
  -- French law caps payment terms at 60 days from the invoice date (C. com. L441-10).
  default_payment_terms_days integer not null default 30 check (default_payment_terms_days between 0 and 60),
  -- Annual late-payment penalty rate printed on invoices (at least 3x the legal rate).
  late_penalty_rate          numeric(5, 2) check (late_penalty_rate is null or late_penalty_rate between 0 and 100),
  timezone                   text not null default 'Europe/Paris',
  currency                   text not null default 'EUR' check (currency = 'EUR'),
  created_at                 timestamptz not null default now(),
  updated_at                 timestamptz not null default now(),
  -- The SIRET of the head office starts with the SIREN.
  constraint organizations_siret_matches_siren check (siret is null or siren is null or left(siret, 9) = siren),
  -- The French VAT number embeds the SIREN: FR + 2-character key + SIREN.
  constraint organizations_vat_matches_siren check (vat_number is null or siren is null or right(vat_number, 9) = siren)
);
comment on table public.organizations is 'A field-service company (tenant). Its legal identity is printed on every invoice.';

-- A timezone is checked against the server's list once, on write.
create function private.check_organization_timezone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not exists (select from pg_catalog.pg_timezone_names where name = new.timezone) then
    raise exception 'Unknown timezone: %', new.timezone using errcode = '22023';
  end if;
  return new;
end;
$$;
create trigger organizations_timezone_valid
  before insert or update of timezone on public.organizations
  for each row execute function private.check_organization_timezone();

-- Shared by every table with an updated_at column.
create function private.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
create trigger organizations_touch before update on public.organizations
  for each row execute function private.touch_updated_at();

create table public.profiles (
  id         uuid primary key references auth.users (id) on delete cascade,
  email      text,
  full_name  text check (full_name is null or length(full_name) <= 200),
  phone      text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'Public part of an auth user, created by a trigger on auth.users (the usual Supabase pattern).';
create trigger profiles_touch before update on public.profiles
  for each row execute function private.touch_updated_at();

-- Runs as the table owner: the auth server inserting into auth.users has no
-- privilege on public.profiles, and must not need one.
create function private.handle_new_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, full_name)
  values (new.id, new.email, nullif(new.raw_user_meta_data ->> 'full_name', ''))
  on conflict (id) do nothing;
  return new;
end;
$$;
create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_auth_user();

create table public.memberships (
  id         uuid primary key default gen_random_uuid(),
  org_id     uuid not null references public.organizations (id) on delete cascade,
  user_id    uuid not null references auth.users (id) on delete cascade,
  role       public.member_role not null,
  -- Client-portal users see one client only; the foreign key is added with the clients table.
  client_id  uuid,
  -- On-call technicians are notified of emergencies.
  on_call    boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint memberships_one_per_org unique (org_id, user_id),
  constraint memberships_org_id_id_key unique (org_id, id),
  constraint memberships_client_iff_client_role check ((role = 'client') = (client_id is not null))
);
comment on table public.memberships is 'Who belongs to which organization, in which role. One membership per user and organization.';
-- RLS helpers look memberships up by user first.
create index memberships_user_id_idx on public.memberships (user_id, org_id);
create trigger memberships_touch before update on public.memberships
  for each row execute function private.touch_updated_at();

-- -----------------------------------------------------------------------------
-- Membership helpers used by triggers and (later) RLS policies. STABLE
-- SECURITY DEFINER with an empty search_path: they read memberships without
-- recursing through its own policies, and are evaluated once per statement
-- when wrapped as (select private.…()).
-- -----------------------------------------------------------------------------
create function private.member_role_in(target_org uuid)
returns public.member_role
language sql
stable
security definer
set search_path = ''
as $$
  select m.role from public.memberships m where m.org_id = target_org and m.user_id = auth.uid()
$$;
comment on function private.member_role_in(uuid) is 'The current user''s role in an organization, or null when not a member.';

create function private.has_role_in(target_org uuid, allowed public.member_role[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select from public.memberships m
    where m.org_id = target_org and m.user_id = auth.uid() and m.role = any (allowed)
  )
$$;
comment on function private.has_role_in(uuid, public.member_role[]) is 'True when the current user holds one of the given roles in the organization.';

create function private.my_org_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.org_id from public.memberships m where m.user_id = auth.uid()
$$;
comment on function private.my_org_ids() is 'Organizations the current user belongs to.';

grant execute on function private.member_role_in(uuid), private.has_role_in(uuid, public.member_role[]), private.my_org_ids()
  to authenticated, service_role;

-- Deny by default: the API roles get policies and grants with the RLS migration.
alter table public.organizations enable row level security;
alter table public.profiles enable row level security;
alter table public.memberships enable row level security;
