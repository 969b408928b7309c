-- =============================================================================
-- Baseline: customers and sites — clients, sites, maintenance contracts,
-- client requests and emergency requests.
--
-- Every foreign key includes org_id, so a referenced row is always in the
-- referencing row's organization (docs/design.md § Tenancy and roles).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

CREATE TYPE public.emergency_severity AS ENUM (
    'low',
    'medium',
    'high',
    'critical'
);

CREATE TYPE public.emergency_status AS ENUM (
    'pending',
    'acknowledged',
    'dispatched',
    'closed'
);

-- Emergency status moves forward only, one step or straight to closed.
CREATE FUNCTION private.guard_emergency_status() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if new.status is distinct from old.status then
    if not (
      (old.status = 'pending' and new.status in ('acknowledged', 'closed'))
      or (old.status = 'acknowledged' and new.status in ('dispatched', 'closed'))
      or (old.status = 'dispatched' and new.status = 'closed')
    ) then
      perform private.raise_api_error('invalid_transition', pg_catalog.format('Invalid emergency transition: %s → %s', old.status, new.status));
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

REVOKE ALL ON FUNCTION private.guard_emergency_status() FROM PUBLIC;

CREATE TABLE public.emergency_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    site_id uuid,
    severity public.emergency_severity DEFAULT 'high'::public.emergency_severity NOT NULL,
    description text NOT NULL,
    status public.emergency_status DEFAULT 'pending'::public.emergency_status NOT NULL,
    -- Where it came from: the portal, the phone, an external system (events and rules).
    source text DEFAULT 'portal'::text NOT NULL,
    created_by uuid DEFAULT auth.uid(),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    acknowledged_at timestamp with time zone,
    acknowledged_by uuid,
    dispatched_at timestamp with time zone,
    closed_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT emergency_requests_description_check CHECK (((length(btrim(description)) >= 1) AND (length(btrim(description)) <= 10000))),
    CONSTRAINT emergency_requests_source_check CHECK ((source = ANY (ARRAY['portal'::text, 'phone'::text, 'external'::text]))),
    CONSTRAINT emergency_requests_timestamps CHECK ((((status = 'pending'::public.emergency_status) OR (acknowledged_at IS NOT NULL)) AND ((status <> ALL (ARRAY['dispatched'::public.emergency_status, 'closed'::public.emergency_status])) OR (dispatched_at IS NOT NULL) OR (status = 'closed'::public.emergency_status)) AND ((status <> 'closed'::public.emergency_status) OR (closed_at IS NOT NULL))))
);

ALTER TABLE ONLY public.emergency_requests
    ADD CONSTRAINT emergency_requests_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.emergency_requests
    ADD CONSTRAINT emergency_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.emergency_requests
    ADD CONSTRAINT emergency_requests_acknowledged_by_fkey FOREIGN KEY (acknowledged_by) REFERENCES auth.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.emergency_requests
    ADD CONSTRAINT emergency_requests_created_by_fkey FOREIGN KEY (created_by) REFERENCES auth.users(id) ON DELETE SET NULL;

CREATE INDEX emergency_requests_acknowledged_by_idx ON public.emergency_requests USING btree (acknowledged_by) WHERE (acknowledged_by IS NOT NULL);

CREATE INDEX emergency_requests_client_idx ON public.emergency_requests USING btree (org_id, client_id);

CREATE INDEX emergency_requests_created_by_idx ON public.emergency_requests USING btree (created_by) WHERE (created_by IS NOT NULL);

-- The pending-emergency alert scans only open rows.
CREATE INDEX emergency_requests_pending_idx ON public.emergency_requests USING btree (org_id, created_at) WHERE (status = 'pending'::public.emergency_status);

CREATE INDEX emergency_requests_site_idx ON public.emergency_requests USING btree (org_id, site_id) WHERE (site_id IS NOT NULL);

ALTER TABLE public.emergency_requests ENABLE ROW LEVEL SECURITY;

CREATE POLICY emergency_requests_delete ON public.emergency_requests FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY emergency_requests_insert ON public.emergency_requests FOR INSERT TO authenticated WITH CHECK (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])) AND (source = 'portal'::text) AND (status = 'pending'::public.emergency_status))));

-- emergency_requests ---------------------------------------------------------
CREATE POLICY emergency_requests_select ON public.emergency_requests FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (id IN ( SELECT private.my_assigned_mission_refs('emergency_request_id'::text) AS my_assigned_mission_refs))) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])))));

CREATE POLICY emergency_requests_update ON public.emergency_requests FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER emergency_requests_status_guard BEFORE UPDATE OF status ON public.emergency_requests FOR EACH ROW EXECUTE FUNCTION private.guard_emergency_status();

CREATE TRIGGER emergency_requests_touch BEFORE UPDATE ON public.emergency_requests FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.emergency_requests IS 'Urgent requests: pending → acknowledged → dispatched → closed.';

GRANT SELECT,DELETE ON TABLE public.emergency_requests TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.emergency_requests TO service_role;

GRANT INSERT(id) ON TABLE public.emergency_requests TO authenticated;

GRANT INSERT(org_id) ON TABLE public.emergency_requests TO authenticated;

GRANT INSERT(client_id) ON TABLE public.emergency_requests TO authenticated;

GRANT INSERT(site_id),UPDATE(site_id) ON TABLE public.emergency_requests TO authenticated;

GRANT INSERT(severity),UPDATE(severity) ON TABLE public.emergency_requests TO authenticated;

GRANT INSERT(description),UPDATE(description) ON TABLE public.emergency_requests TO authenticated;

GRANT UPDATE(status) ON TABLE public.emergency_requests TO authenticated;

GRANT INSERT(source) ON TABLE public.emergency_requests TO authenticated;

CREATE TABLE public.client_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    site_id uuid,
    subject text NOT NULL,
    description text,
    status text DEFAULT 'open'::text NOT NULL,
    created_by uuid DEFAULT auth.uid(),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT client_requests_description_check CHECK (((description IS NULL) OR (length(description) <= 10000))),
    CONSTRAINT client_requests_status_check CHECK ((status = ANY (ARRAY['open'::text, 'accepted'::text, 'rejected'::text, 'converted'::text]))),
    CONSTRAINT client_requests_subject_check CHECK (((length(btrim(subject)) >= 1) AND (length(btrim(subject)) <= 200)))
);

ALTER TABLE ONLY public.client_requests
    ADD CONSTRAINT client_requests_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.client_requests
    ADD CONSTRAINT client_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.client_requests
    ADD CONSTRAINT client_requests_created_by_fkey FOREIGN KEY (created_by) REFERENCES auth.users(id) ON DELETE SET NULL;

CREATE INDEX client_requests_client_idx ON public.client_requests USING btree (org_id, client_id);

CREATE INDEX client_requests_created_by_idx ON public.client_requests USING btree (created_by) WHERE (created_by IS NOT NULL);

CREATE INDEX client_requests_open_idx ON public.client_requests USING btree (org_id, created_at) WHERE (status = 'open'::text);

CREATE INDEX client_requests_site_idx ON public.client_requests USING btree (org_id, site_id) WHERE (site_id IS NOT NULL);

ALTER TABLE public.client_requests ENABLE ROW LEVEL SECURITY;

CREATE POLICY client_requests_delete ON public.client_requests FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY client_requests_insert ON public.client_requests FOR INSERT TO authenticated WITH CHECK (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])) AND (status = 'open'::text))));

-- client_requests ------------------------------------------------------------
CREATE POLICY client_requests_select ON public.client_requests FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (id IN ( SELECT private.my_assigned_mission_refs('client_request_id'::text) AS my_assigned_mission_refs))) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])))));

CREATE POLICY client_requests_update ON public.client_requests FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER client_requests_touch BEFORE UPDATE ON public.client_requests FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.client_requests IS 'Non-urgent requests from clients (portal or phone), turned into missions by dispatch.';

GRANT SELECT,DELETE ON TABLE public.client_requests TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.client_requests TO service_role;

GRANT INSERT(id) ON TABLE public.client_requests TO authenticated;

GRANT INSERT(org_id) ON TABLE public.client_requests TO authenticated;

GRANT INSERT(client_id) ON TABLE public.client_requests TO authenticated;

GRANT INSERT(site_id),UPDATE(site_id) ON TABLE public.client_requests TO authenticated;

GRANT INSERT(subject),UPDATE(subject) ON TABLE public.client_requests TO authenticated;

GRANT INSERT(description),UPDATE(description) ON TABLE public.client_requests TO authenticated;

GRANT INSERT(status),UPDATE(status) ON TABLE public.client_requests TO authenticated;

CREATE TABLE public.clients (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    name text NOT NULL,
    kind text DEFAULT 'company'::text NOT NULL,
    -- Required on e-invoices for company clients (2026 reform).
    siren text,
    vat_number text,
    email text,
    phone text,
    billing_address text,
    billing_postal_code text,
    billing_city text,
    billing_country text DEFAULT 'FR'::text NOT NULL,
    -- Overrides the organization's default when set.
    payment_terms_days integer,
    notes text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT clients_billing_address_length CHECK ((char_length(billing_address) <= 500)),
    CONSTRAINT clients_billing_city_length CHECK ((char_length(billing_city) <= 100)),
    CONSTRAINT clients_billing_country_check CHECK ((billing_country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT clients_billing_postal_code_length CHECK ((char_length(billing_postal_code) <= 20)),
    CONSTRAINT clients_email_length CHECK ((char_length(email) <= 320)),
    CONSTRAINT clients_kind_check CHECK ((kind = ANY (ARRAY['company'::text, 'individual'::text, 'public_body'::text]))),
    CONSTRAINT clients_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT clients_notes_length CHECK ((char_length(notes) <= 10000)),
    CONSTRAINT clients_payment_terms_days_check CHECK (((payment_terms_days IS NULL) OR ((payment_terms_days >= 0) AND (payment_terms_days <= 60)))),
    CONSTRAINT clients_phone_length CHECK ((char_length(phone) <= 50)),
    CONSTRAINT clients_siren_check CHECK (((siren IS NULL) OR ((siren ~ '^[0-9]{9}$'::text) AND private.luhn_ok(siren)))),
    CONSTRAINT clients_vat_number_check CHECK (((vat_number IS NULL) OR (vat_number ~ '^[A-Z]{2}[0-9A-Z]{2,13}$'::text)))
);

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

CREATE INDEX clients_org_id_name_idx ON public.clients USING btree (org_id, name);

ALTER TABLE public.clients ENABLE ROW LEVEL SECURITY;

CREATE POLICY clients_delete ON public.clients FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY clients_insert ON public.clients FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- clients --------------------------------------------------------------------
CREATE POLICY clients_select ON public.clients FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (id IN ( SELECT private.my_assigned_mission_refs('client_id'::text) AS my_assigned_mission_refs))) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])))));

CREATE POLICY clients_update ON public.clients FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER clients_touch BEFORE UPDATE ON public.clients FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.clients IS 'Customers of an organization (a syndic, a hotel, a household).';

GRANT SELECT,DELETE ON TABLE public.clients TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.clients TO service_role;

GRANT INSERT(id) ON TABLE public.clients TO authenticated;

GRANT INSERT(org_id) ON TABLE public.clients TO authenticated;

GRANT INSERT(name),UPDATE(name) ON TABLE public.clients TO authenticated;

GRANT INSERT(kind),UPDATE(kind) ON TABLE public.clients TO authenticated;

GRANT INSERT(siren),UPDATE(siren) ON TABLE public.clients TO authenticated;

GRANT INSERT(vat_number),UPDATE(vat_number) ON TABLE public.clients TO authenticated;

GRANT INSERT(email),UPDATE(email) ON TABLE public.clients TO authenticated;

GRANT INSERT(phone),UPDATE(phone) ON TABLE public.clients TO authenticated;

GRANT INSERT(billing_address),UPDATE(billing_address) ON TABLE public.clients TO authenticated;

GRANT INSERT(billing_postal_code),UPDATE(billing_postal_code) ON TABLE public.clients TO authenticated;

GRANT INSERT(billing_city),UPDATE(billing_city) ON TABLE public.clients TO authenticated;

GRANT INSERT(billing_country),UPDATE(billing_country) ON TABLE public.clients TO authenticated;

GRANT INSERT(payment_terms_days),UPDATE(payment_terms_days) ON TABLE public.clients TO authenticated;

GRANT INSERT(notes),UPDATE(notes) ON TABLE public.clients TO authenticated;

CREATE TABLE public.maintenance_contracts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    site_id uuid,
    reference text NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    -- Planned preventive visits: one every N months.
    visit_frequency_months integer NOT NULL,
    -- Maximum delay between an emergency and a technician on site.
    sla_hours integer NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT maintenance_contracts_period CHECK (((ends_on IS NULL) OR (ends_on >= starts_on))),
    CONSTRAINT maintenance_contracts_reference_check CHECK (((length(btrim(reference)) >= 1) AND (length(btrim(reference)) <= 50))),
    CONSTRAINT maintenance_contracts_sla_hours_check CHECK (((sla_hours >= 1) AND (sla_hours <= 720))),
    CONSTRAINT maintenance_contracts_status_check CHECK ((status = ANY (ARRAY['active'::text, 'suspended'::text, 'ended'::text]))),
    CONSTRAINT maintenance_contracts_visit_frequency_months_check CHECK (((visit_frequency_months >= 1) AND (visit_frequency_months <= 24)))
);

ALTER TABLE ONLY public.maintenance_contracts
    ADD CONSTRAINT maintenance_contracts_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.maintenance_contracts
    ADD CONSTRAINT maintenance_contracts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.maintenance_contracts
    ADD CONSTRAINT maintenance_contracts_reference_key UNIQUE (org_id, reference);

ALTER TABLE ONLY public.maintenance_contracts
    ADD CONSTRAINT maintenance_contracts_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id) ON DELETE CASCADE;

CREATE INDEX maintenance_contracts_client_idx ON public.maintenance_contracts USING btree (org_id, client_id);

CREATE INDEX maintenance_contracts_site_idx ON public.maintenance_contracts USING btree (org_id, site_id) WHERE (site_id IS NOT NULL);

ALTER TABLE public.maintenance_contracts ENABLE ROW LEVEL SECURITY;

CREATE POLICY maintenance_contracts_delete ON public.maintenance_contracts FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY maintenance_contracts_insert ON public.maintenance_contracts FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- maintenance_contracts ------------------------------------------------------
CREATE POLICY maintenance_contracts_select ON public.maintenance_contracts FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (id IN ( SELECT private.my_assigned_mission_refs('contract_id'::text) AS my_assigned_mission_refs))) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])))));

CREATE POLICY maintenance_contracts_update ON public.maintenance_contracts FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER maintenance_contracts_touch BEFORE UPDATE ON public.maintenance_contracts FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.maintenance_contracts IS 'Preventive maintenance agreements: visit frequency and emergency SLA.';

GRANT SELECT,DELETE ON TABLE public.maintenance_contracts TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.maintenance_contracts TO service_role;

GRANT INSERT(id) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(org_id) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(client_id) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(site_id),UPDATE(site_id) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(reference),UPDATE(reference) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(starts_on),UPDATE(starts_on) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(ends_on),UPDATE(ends_on) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(visit_frequency_months),UPDATE(visit_frequency_months) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(sla_hours),UPDATE(sla_hours) ON TABLE public.maintenance_contracts TO authenticated;

GRANT INSERT(status),UPDATE(status) ON TABLE public.maintenance_contracts TO authenticated;

CREATE TABLE public.sites (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    client_id uuid NOT NULL,
    name text NOT NULL,
    address text NOT NULL,
    postal_code text,
    city text,
    access_notes text,
    latitude numeric(9,6),
    longitude numeric(9,6),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sites_access_notes_length CHECK ((char_length(access_notes) <= 10000)),
    CONSTRAINT sites_address_length CHECK ((char_length(address) <= 500)),
    CONSTRAINT sites_city_length CHECK ((char_length(city) <= 100)),
    CONSTRAINT sites_latitude_check CHECK (((latitude IS NULL) OR ((latitude >= ('-90'::integer)::numeric) AND (latitude <= (90)::numeric)))),
    CONSTRAINT sites_latitude_finite CHECK ((latitude <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT sites_longitude_check CHECK (((longitude IS NULL) OR ((longitude >= ('-180'::integer)::numeric) AND (longitude <= (180)::numeric)))),
    CONSTRAINT sites_longitude_finite CHECK ((longitude <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT sites_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT sites_postal_code_length CHECK ((char_length(postal_code) <= 20))
);

ALTER TABLE ONLY public.sites
    ADD CONSTRAINT sites_org_client_id_key UNIQUE (org_id, client_id, id);

ALTER TABLE ONLY public.sites
    ADD CONSTRAINT sites_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.sites
    ADD CONSTRAINT sites_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sites
    ADD CONSTRAINT sites_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id) ON DELETE CASCADE;

CREATE INDEX sites_client_idx ON public.sites USING btree (org_id, client_id);

ALTER TABLE public.sites ENABLE ROW LEVEL SECURITY;

CREATE POLICY sites_delete ON public.sites FOR DELETE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE POLICY sites_insert ON public.sites FOR INSERT TO authenticated WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

-- sites ----------------------------------------------------------------------
CREATE POLICY sites_select ON public.sites FOR SELECT TO authenticated USING (((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]) AS my_org_ids_as)::uuid[])) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{technician}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (id IN ( SELECT private.my_assigned_mission_refs('site_id'::text) AS my_assigned_mission_refs))) OR ((org_id = ANY (( SELECT private.my_org_ids_as('{client}'::public.member_role[]) AS my_org_ids_as)::uuid[])) AND (client_id = ANY (( SELECT private.my_client_ids() AS my_client_ids)::uuid[])))));

CREATE POLICY sites_update ON public.sites FOR UPDATE TO authenticated USING ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[]))) WITH CHECK ((org_id = ANY (( SELECT private.my_org_ids_as('{owner,admin,dispatcher}'::public.member_role[]) AS my_org_ids_as)::uuid[])));

CREATE TRIGGER sites_touch BEFORE UPDATE ON public.sites FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.sites IS 'Places where work happens (a boiler room, a building); each belongs to one client.';

GRANT SELECT,DELETE ON TABLE public.sites TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.sites TO service_role;

GRANT INSERT(id) ON TABLE public.sites TO authenticated;

GRANT INSERT(org_id) ON TABLE public.sites TO authenticated;

GRANT INSERT(client_id) ON TABLE public.sites TO authenticated;

GRANT INSERT(name),UPDATE(name) ON TABLE public.sites TO authenticated;

GRANT INSERT(address),UPDATE(address) ON TABLE public.sites TO authenticated;

GRANT INSERT(postal_code),UPDATE(postal_code) ON TABLE public.sites TO authenticated;

GRANT INSERT(city),UPDATE(city) ON TABLE public.sites TO authenticated;

GRANT INSERT(access_notes),UPDATE(access_notes) ON TABLE public.sites TO authenticated;

GRANT INSERT(latitude),UPDATE(latitude) ON TABLE public.sites TO authenticated;

GRANT INSERT(longitude),UPDATE(longitude) ON TABLE public.sites TO authenticated;

ALTER TABLE ONLY public.emergency_requests
    ADD CONSTRAINT emergency_requests_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.emergency_requests
    ADD CONSTRAINT emergency_requests_site_fkey FOREIGN KEY (org_id, client_id, site_id) REFERENCES public.sites(org_id, client_id, id);

ALTER TABLE ONLY public.client_requests
    ADD CONSTRAINT client_requests_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id) ON DELETE CASCADE;

ALTER TABLE ONLY public.client_requests
    ADD CONSTRAINT client_requests_site_fkey FOREIGN KEY (org_id, client_id, site_id) REFERENCES public.sites(org_id, client_id, id);

ALTER TABLE ONLY public.maintenance_contracts
    ADD CONSTRAINT maintenance_contracts_site_fkey FOREIGN KEY (org_id, client_id, site_id) REFERENCES public.sites(org_id, client_id, id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_client_fkey FOREIGN KEY (org_id, client_id) REFERENCES public.clients(org_id, id) ON DELETE CASCADE;

