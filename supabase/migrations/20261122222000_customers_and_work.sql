-- =============================================================================
-- Customers and work: clients, their sites, maintenance contracts, client and
-- emergency requests, missions and the history of mission status changes.
--
-- Composite foreign keys carry org_id so a row can only ever point at rows of
-- its own organization: a mission's site must belong to the mission's client,
-- and its technician must be a member of the same organization.
-- RLS is enabled with no policy yet (deny all to the API roles); policies and
-- grants arrive with the row-level security migration.
-- =============================================================================

create table public.clients (
  id                 uuid primary key default gen_random_uuid(),
  org_id             uuid not null references public.organizations (id) on delete cascade,
  name               text not null check (length(btrim(name)) between 1 and 200),
  kind               text not null default 'company' check (kind in ('company', 'individual', 'public_body')),
  -- Required on e-invoices for company clients (2026 reform).
  siren              text check (siren is null or (siren ~ '^[0-9]{9}$' and private.luhn_ok(siren))),
  vat_number         text check (vat_number is null or vat_number ~ '^[A-Z]{2}[0-9A-Z]{2,13}$'),
  email              text,
  phone              text,
  billing_address    text,
  billing_postal_code text,
  billing_city       text,
  billing_country    text not null default 'FR' check (billing_country ~ '^[A-Z]{2}$'),
  -- Overrides the organization's default when set.
  payment_terms_days integer check (payment_terms_days is null or payment_terms_days between 0 and 60),
  notes              text,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint clients_org_id_id_key unique (org_id, id)
);
comment on table public.clients is 'Customers of an organization (a syndic, a hotel, a household).';
create index clients_org_id_name_idx on public.clients (org_id, name);
create trigger clients_touch before update on public.clients for each row execute function private.touch_updated_at();

-- A client-portal membership is bound to a client of the same organization.
alter table public.memberships
  add constraint memberships_client_fkey foreign key (org_id, client_id)
  references public.clients (org_id, id) on delete cascade;
create index memberships_client_id_idx on public.memberships (org_id, client_id) where client_id is not null;

create table public.sites (
  id           uuid primary key default gen_random_uuid(),
  org_id       uuid not null,
  client_id    uuid not null,
  name         text not null check (length(btrim(name)) between 1 and 200),
  address      text not null,
  postal_code  text,
  city         text,
  access_notes text,
  latitude     numeric(9, 6) check (latitude is null or latitude between -90 and 90),
  longitude    numeric(9, 6) check (longitude is null or longitude between -180 and 180),
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  constraint sites_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id) on delete cascade,
  constraint sites_org_id_id_key unique (org_id, id),
  constraint sites_org_client_id_key unique (org_id, client_id, id)
);
comment on table public.sites is 'Places where work happens (a boiler room, a building); each belongs to one client.';
create index sites_client_idx on public.sites (org_id, client_id);
create trigger sites_touch before update on public.sites for each row execute function private.touch_updated_at();

create table public.maintenance_contracts (
  id                    uuid primary key default gen_random_uuid(),
  org_id                uuid not null,
  client_id             uuid not null,
  site_id               uuid,
  reference             text not null check (length(btrim(reference)) between 1 and 50),
  starts_on             date not null,
  ends_on               date,
  -- Planned preventive visits: one every N months.
  visit_frequency_months integer not null check (visit_frequency_months between 1 and 24),
  -- Maximum delay between an emergency and a technician on site.
  sla_hours             integer not null check (sla_hours between 1 and 720),
  status                text not null default 'active' check (status in ('active', 'suspended', 'ended')),
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint maintenance_contracts_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id) on delete cascade,
  constraint maintenance_contracts_site_fkey foreign key (org_id, client_id, site_id) references public.sites (org_id, client_id, id),
  constraint maintenance_contracts_period check (ends_on is null or ends_on >= starts_on),
  constraint maintenance_contracts_reference_key unique (org_id, reference),
  constraint maintenance_contracts_org_id_id_key unique (org_id, id)
);
comment on table public.maintenance_contracts is 'Preventive maintenance agreements: visit frequency and emergency SLA.';
create index maintenance_contracts_client_idx on public.maintenance_contracts (org_id, client_id);
create trigger maintenance_contracts_touch before update on public.maintenance_contracts for each row execute function private.touch_updated_at();

create table public.client_requests (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null,
  client_id   uuid not null,
  site_id     uuid,
  subject     text not null check (length(btrim(subject)) between 1 and 200),
  description text check (description is null or length(description) <= 10000),
  status      text not null default 'open' check (status in ('open', 'accepted', 'rejected', 'converted')),
  created_by  uuid references auth.users (id) on delete set null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint client_requests_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id) on delete cascade,
  constraint client_requests_site_fkey foreign key (org_id, client_id, site_id) references public.sites (org_id, client_id, id),
  constraint client_requests_org_id_id_key unique (org_id, id)
);
comment on table public.client_requests is 'Non-urgent requests from clients (portal or phone), turned into missions by dispatch.';
create index client_requests_client_idx on public.client_requests (org_id, client_id);
create index client_requests_open_idx on public.client_requests (org_id, created_at) where status = 'open';
create trigger client_requests_touch before update on public.client_requests for each row execute function private.touch_updated_at();

create type public.emergency_severity as enum ('low', 'medium', 'high', 'critical');
create type public.emergency_status as enum ('pending', 'acknowledged', 'dispatched', 'closed');

create table public.emergency_requests (
  id               uuid primary key default gen_random_uuid(),
  org_id           uuid not null,
  client_id        uuid not null,
  site_id          uuid,
  severity         public.emergency_severity not null default 'high',
  description      text not null check (length(btrim(description)) between 1 and 10000),
  status           public.emergency_status not null default 'pending',
  -- Where it came from: the portal, the phone, an external system (events and rules).
  source           text not null default 'portal' check (source in ('portal', 'phone', 'external')),
  created_by       uuid references auth.users (id) on delete set null,
  created_at       timestamptz not null default now(),
  acknowledged_at  timestamptz,
  acknowledged_by  uuid references auth.users (id) on delete set null,
  dispatched_at    timestamptz,
  closed_at        timestamptz,
  updated_at       timestamptz not null default now(),
  constraint emergency_requests_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id) on delete cascade,
  constraint emergency_requests_site_fkey foreign key (org_id, client_id, site_id) references public.sites (org_id, client_id, id),
  constraint emergency_requests_org_id_id_key unique (org_id, id),
  -- Each status has its timestamp, so SLA and alert queries never guess.
  constraint emergency_requests_timestamps check (
    (status = 'pending' or acknowledged_at is not null)
    and (status not in ('dispatched', 'closed') or dispatched_at is not null or status = 'closed')
    and (status <> 'closed' or closed_at is not null)
  )
);
comment on table public.emergency_requests is 'Urgent requests: pending → acknowledged → dispatched → closed.';
-- The pending-emergency alert scans only open rows.
create index emergency_requests_pending_idx on public.emergency_requests (org_id, created_at) where status = 'pending';
create index emergency_requests_client_idx on public.emergency_requests (org_id, client_id);
create trigger emergency_requests_touch before update on public.emergency_requests for each row execute function private.touch_updated_at();

-- Emergency status moves forward only, one step or straight to closed.
create function private.guard_emergency_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status then
    if not (
      (old.status = 'pending' and new.status in ('acknowledged', 'closed'))
      or (old.status = 'acknowledged' and new.status in ('dispatched', 'closed'))
      or (old.status = 'dispatched' and new.status = 'closed')
    ) then
      raise exception 'Invalid emergency transition: % → %', old.status, new.status using errcode = 'P0001';
    end if;
    if new.status = 'acknowledged' then
      new.acknowledged_at := coalesce(new.acknowledged_at, now());
      new.acknowledged_by := coalesce(new.acknowledged_by, auth.uid());
    elsif new.status = 'dispatched' then
      new.dispatched_at := coalesce(new.dispatched_at, now());
    elsif new.status = 'closed' then
      new.acknowledged_at := coalesce(new.acknowledged_at, now());
      new.closed_at := coalesce(new.closed_at, now());
    end if;
  end if;
  return new;
end;
$$;
create trigger emergency_requests_status_guard before update of status on public.emergency_requests
  for each row execute function private.guard_emergency_status();

create type public.mission_status as enum ('new', 'published', 'assigned', 'in_progress', 'blocked', 'done', 'invoiced', 'cancelled');
create type public.mission_priority as enum ('low', 'normal', 'high', 'urgent');

create table public.missions (
  id                   uuid primary key default gen_random_uuid(),
  org_id               uuid not null,
  client_id            uuid not null,
  site_id              uuid not null,
  contract_id          uuid,
  client_request_id    uuid,
  emergency_request_id uuid,
  title                text not null check (length(btrim(title)) between 1 and 200),
  description          text check (description is null or length(description) <= 10000),
  scheduled_start      timestamptz,
  scheduled_end        timestamptz,
  technician_id        uuid,
  status               public.mission_status not null default 'new',
  priority             public.mission_priority not null default 'normal',
  started_at           timestamptz,
  blocked_at           timestamptz,
  blocked_reason       text,
  completed_at         timestamptz,
  invoiced_at          timestamptz,
  created_by           uuid references auth.users (id) on delete set null,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint missions_site_fkey foreign key (org_id, client_id, site_id) references public.sites (org_id, client_id, id),
  constraint missions_client_fkey foreign key (org_id, client_id) references public.clients (org_id, id),
  constraint missions_contract_fkey foreign key (org_id, contract_id) references public.maintenance_contracts (org_id, id),
  constraint missions_client_request_fkey foreign key (org_id, client_request_id) references public.client_requests (org_id, id),
  constraint missions_emergency_fkey foreign key (org_id, emergency_request_id) references public.emergency_requests (org_id, id),
  -- The technician is a member of the mission's organization (role checked by trigger).
  constraint missions_technician_fkey foreign key (org_id, technician_id) references public.memberships (org_id, user_id),
  constraint missions_org_id_id_key unique (org_id, id),
  constraint missions_schedule check (scheduled_end is null or scheduled_start is null or scheduled_end > scheduled_start),
  constraint missions_blocked_has_reason check (status <> 'blocked' or (blocked_reason is not null and length(btrim(blocked_reason)) > 0)),
  constraint missions_assigned_has_technician check (status in ('new', 'published', 'cancelled') or technician_id is not null)
);
comment on table public.missions is 'A piece of work on a site: new → published → assigned → in_progress ⇄ blocked → done → invoiced.';
create index missions_org_status_idx on public.missions (org_id, status);
create index missions_technician_idx on public.missions (technician_id, scheduled_start) where technician_id is not null;
create index missions_client_idx on public.missions (org_id, client_id);
create index missions_site_idx on public.missions (org_id, site_id);
-- The blocked-mission alert scans only blocked rows.
create index missions_blocked_idx on public.missions (org_id, blocked_at) where status = 'blocked';
create trigger missions_touch before update on public.missions for each row execute function private.touch_updated_at();

-- A mission's technician must hold the technician role (a foreign key cannot say so).
create function private.check_mission_technician()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.technician_id is not null and not exists (
    select from public.memberships m
    where m.org_id = new.org_id and m.user_id = new.technician_id and m.role = 'technician'
  ) then
    raise exception 'User % is not a technician of this organization', new.technician_id using errcode = '23514';
  end if;
  return new;
end;
$$;
create trigger missions_technician_role before insert or update of technician_id on public.missions
  for each row execute function private.check_mission_technician();

create table public.mission_status_history (
  id          bigint generated always as identity primary key,
  org_id      uuid not null,
  mission_id  uuid not null,
  from_status public.mission_status,
  to_status   public.mission_status not null,
  changed_by  uuid references auth.users (id) on delete set null,
  changed_at  timestamptz not null default now(),
  reason      text,
  constraint mission_status_history_mission_fkey foreign key (org_id, mission_id) references public.missions (org_id, id) on delete cascade
);
comment on table public.mission_status_history is 'Every status change of a mission: who, from, to, when, why.';
create index mission_status_history_mission_idx on public.mission_status_history (org_id, mission_id, changed_at);

alter table public.clients enable row level security;
alter table public.sites enable row level security;
alter table public.maintenance_contracts enable row level security;
alter table public.client_requests enable row level security;
alter table public.emergency_requests enable row level security;
alter table public.missions enable row level security;
alter table public.mission_status_history enable row level security;
