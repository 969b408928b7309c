-- =============================================================================
-- Baseline: tenancy — organizations, profiles, memberships and roles
-- (docs/design.md § Tenancy and roles).
--
-- An organization is the tenant; a membership gives a user one role in it.
-- Ownership rules (an organization always keeps an owner, ownership moves only
-- through public.transfer_ownership) and the live-session check for sensitive
-- writes are enforced here, in the database, not in the API tier. Also: the
-- system actor (imports, jobs) and the idempotency keys that make offline
-- replays safe (docs/design.md invariant 9).
-- =============================================================================

-- Every name below is schema-qualified, as in supabase/schema.sql. Function
-- bodies are resolved when first called, not here: some read tables that a
-- later baseline creates (the plpgsql_check lint in ops and the pgTAP suite
-- check them). Both settings end with this migration's transaction.
select pg_catalog.set_config('search_path', '', true);
set local check_function_bodies = false;

CREATE TYPE public.member_role AS ENUM (
    'owner',
    'admin',
    'dispatcher',
    'technician',
    'accountant',
    'client'
);

COMMENT ON TYPE public.member_role IS 'owner/admin run the organization; dispatcher plans missions; technician works them; accountant handles money; client is a portal user bound to one client.';

-- The French VAT rates (CGI art. 278 to 281 nonies): normal, intermediate,
-- reduced, super-reduced. One domain so quotes, invoices and stock agree.
CREATE DOMAIN public.fr_vat_rate AS numeric(3,1)
	CONSTRAINT fr_vat_rate_allowed CHECK ((VALUE = ANY (ARRAY[20.0, 10.0, 5.5, 2.1])))
	CONSTRAINT fr_vat_rate_finite CHECK ((VALUE <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric])));

COMMENT ON DOMAIN public.fr_vat_rate IS 'A French VAT rate in percent: 20, 10, 5.5 or 2.1.';

CREATE FUNCTION private.assert_live_session() RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_user uuid := auth.uid();
  v_session_claim text := auth.jwt() ->> 'session_id';
  v_session uuid;
begin
  if v_user is null then
    return; -- the system actor or anon: no user session to check
  end if;
  if v_session_claim is null or v_session_claim in ('', '00000000-0000-0000-0000-000000000000') then
    return; -- a token minted with the JWT secret, not by the auth server (see above)
  end if;
  if v_session_claim !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    perform private.raise_api_error('sign_in_required', 'Session has ended; sign in again',
      'The token''s session_id claim is not a UUID.');
  end if;
  v_session := v_session_claim::uuid;
  if not exists (
    select from auth.sessions s
    where s.id = v_session
      and s.user_id = v_user
      and (s.not_after is null or s.not_after > pg_catalog.now())
  ) then
    perform private.raise_api_error('sign_in_required', 'Session has ended; sign in again',
      'The access token is still signed and unexpired, but its session was signed out or has expired.',
      'Sign in again to get a new access token.');
  end if;
end;
$_$;

COMMENT ON FUNCTION private.assert_live_session() IS 'Raises 28000 "Session has ended; sign in again" when the caller''s token names an auth.sessions row that is gone, belongs to another user or is past not_after. No-op for callers without a user (service_role, postgres, pg_cron) and for user tokens without a session_id claim. Called by the sensitive writes (API keys, lock overrides, memberships).';

REVOKE ALL ON FUNCTION private.assert_live_session() FROM PUBLIC;

-- A timezone is checked against the server's list once, on write.
CREATE FUNCTION private.check_organization_timezone() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if not exists (select from pg_catalog.pg_timezone_names where name = new.timezone) then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('Unknown timezone: %s', new.timezone));
  end if;
  return new;
end;
$$;

REVOKE ALL ON FUNCTION private.check_organization_timezone() FROM PUBLIC;

CREATE FUNCTION private.guard_membership_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_old_role public.member_role := case when tg_op <> 'INSERT' then old.role end;
  v_new_role public.member_role := case when tg_op <> 'DELETE' then new.role end;
  v_org uuid := case when tg_op = 'INSERT' then new.org_id else old.org_id end;
  v_user uuid := auth.uid();
  v_open_missions bigint;
begin
  if tg_op = 'UPDATE' and new.org_id is distinct from old.org_id then
    perform private.raise_api_error('validation_failed', 'A membership cannot move to another organization',
      null, 'Delete it and create a membership in the other organization.');
  end if;
  -- Every change that could touch an owner takes the organization row lock
  -- first, so the checks below run after any concurrent owner change has
  -- committed (rules 1 and 2). When the row is gone, the organization is
  -- being deleted in this transaction and the memberships go with it.
  if tg_op <> 'INSERT' or v_new_role = 'owner' then
    if not exists (select from public.organizations o where o.id = v_org for no key update) and tg_op <> 'INSERT' then
      return old;
    end if;
  end if;

  if v_user is not null then
    perform private.assert_live_session();
    if 'owner' in (v_old_role, v_new_role) and not private.has_role_in(v_org, '{owner}') then
      perform private.raise_api_error('forbidden_role',
        'Only an owner can grant or remove the owner role, or change an owner''s membership',
        null, 'Admins manage every other role. An owner hands over ownership with transfer_ownership.');
    end if;
  end if;
  if tg_op = 'UPDATE' and v_new_role = v_old_role then
    return new; -- on_call / client_id changes: no role changes hands
  end if;

  if v_old_role = 'owner' then
    if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
      perform from public.memberships m
      where m.org_id = v_org and m.role = 'owner' and m.id <> old.id
      for share;
    end if;
    if not exists (
      select from public.memberships m
      where m.org_id = v_org and m.role = 'owner' and m.id <> old.id
    ) then
      perform private.raise_api_error('last_owner',
        pg_catalog.format('An organization keeps at least one owner: %s is its only owner', old.user_id),
        null, 'Make another member owner first, or hand over with transfer_ownership.');
    end if;
  end if;

  if v_old_role = 'technician' then
    select count(*) into v_open_missions
    from public.missions mi
    where mi.technician_id = old.user_id
      and mi.org_id = v_org
      and mi.status in ('assigned', 'in_progress', 'blocked');
    if v_open_missions > 0 then
      perform private.raise_api_error('technician_has_open_missions',
        pg_catalog.format('Technician %s still holds %s open mission(s) (assigned, in progress or blocked)',
                          old.user_id, v_open_missions),
        null, 'Reassign those missions to another technician first, then change the role or remove the member.');
    end if;
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end;
$$;

COMMENT ON FUNCTION private.guard_membership_change() IS 'BEFORE INSERT/UPDATE/DELETE on memberships: only owners grant or remove the owner role; an organization keeps at least one owner (organization row locked); a technician with open missions keeps the role; a membership stays in its organization; signed-in callers need a live session.';

REVOKE ALL ON FUNCTION private.guard_membership_change() FROM PUBLIC;

-- Runs as the table owner: the auth server inserting into auth.users has no
-- privilege on public.profiles, and must not need one.
CREATE FUNCTION private.handle_new_auth_user() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  insert into public.profiles (id, email, full_name)
  values (new.id, new.email, nullif(new.raw_user_meta_data ->> 'full_name', ''))
  on conflict (id) do nothing;
  return new;
end;
$$;

REVOKE ALL ON FUNCTION private.handle_new_auth_user() FROM PUBLIC;

CREATE FUNCTION private.has_role_in(target_org uuid, allowed public.member_role[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (
    select from public.memberships m
    where m.org_id = target_org and m.user_id = auth.uid() and m.role = any (allowed)
  )
$$;

CREATE FUNCTION private.idempotency_lock(p_org uuid, p_key text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if p_org is null then
    perform private.raise_api_error('missing_parameter', 'An organization is required for an idempotency key');
  end if;
  if p_key is null or length(p_key) not between 8 and 200 then
    perform private.raise_api_error('invalid_parameter', 'Idempotency key must be 8 to 200 characters');
  end if;
  -- Two-key form: the first key names this lock space, so it never shares a key
  -- with another feature's advisory locks. A hash collision between two keys only
  -- serializes two unrelated calls; it never merges them (the row lookup is exact).
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtext('terrain.idempotency_keys'),
    pg_catalog.hashtext(p_org::text || ':' || p_key));
end;
$$;

-- lookup and store are SECURITY DEFINER so they work whatever the calling
-- function's owner may do on the deny-all table; no API role may execute them.
CREATE FUNCTION private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.idempotency_keys%rowtype;
begin
  perform private.idempotency_lock(p_org, p_key);
  select k.* into v_row from public.idempotency_keys k where k.org_id = p_org and k.key = p_key;
  if not found then
    return null;
  end if;
  if v_row.operation is distinct from p_operation
     or v_row.request_hash <> private.idempotency_request_hash(p_request)
     or v_row.user_id is distinct from auth.uid() then
    perform private.raise_api_error('idempotency_key_reused', pg_catalog.format('Idempotency key %s was already used for a different request', p_key));
  end if;
  return v_row.result;
end;
$$;

CREATE FUNCTION private.idempotency_request_hash(p_request jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  -- jsonb text is canonical (keys sorted, whitespace normalized), so equal
  -- requests hash equally whatever the client's key order.
  select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(coalesce(p_request, 'null'::jsonb)::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- Re-entrant when lookup already took it; makes store safe on its own too.
  perform private.idempotency_lock(p_org, p_key);
  if p_result is null then
    perform private.raise_api_error('missing_parameter', 'An idempotent call must return a result');
  end if;
  -- A plain insert, on purpose: a conflict means the caller did its work without
  -- seeing the first call's row, and must fail (rolling its work back) rather than
  -- report success for a second application.
  insert into public.idempotency_keys (org_id, key, user_id, operation, request_hash, result)
  values (p_org, p_key, auth.uid(), p_operation, private.idempotency_request_hash(p_request), p_result);
end;
$$;

CREATE FUNCTION private.is_system_actor() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select auth.uid() is null
     and coalesce((
           select r.rolsuper or r.rolbypassrls
           from pg_catalog.pg_roles r
           where r.rolname = coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user)
         ), false)
$$;

COMMENT ON FUNCTION private.is_system_actor() IS 'True when no user is authenticated (auth.uid() is null) and the session role bypasses RLS (service_role, a superuser): the trusted system actor, subject to data rules but not to role checks.';

REVOKE ALL ON FUNCTION private.is_system_actor() FROM PUBLIC;
GRANT ALL ON FUNCTION private.is_system_actor() TO authenticated;
GRANT ALL ON FUNCTION private.is_system_actor() TO service_role;

-- SIREN and SIRET carry a Luhn check digit (INSEE). Checking it catches the
-- typo that would otherwise be printed on every invoice.
CREATE FUNCTION private.luhn_ok(digits text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $_$
  select digits ~ '^[0-9]+$'
     and (
       select sum(case when (length(digits) - i) % 2 = 1
                         then (substr(digits, i, 1)::int * 2) / 10 + (substr(digits, i, 1)::int * 2) % 10
                       else substr(digits, i, 1)::int end) % 10 = 0
       from generate_series(1, length(digits)) as i
     )
$_$;

-- -----------------------------------------------------------------------------
-- Membership helpers used by triggers and (later) RLS policies. STABLE
-- SECURITY DEFINER with an empty search_path: they read memberships without
-- recursing through its own policies, and are evaluated once per statement
-- when wrapped as (select private.…()).
-- -----------------------------------------------------------------------------
CREATE FUNCTION private.member_role_in(target_org uuid) RETURNS public.member_role
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select m.role from public.memberships m where m.org_id = target_org and m.user_id = auth.uid()
$$;

CREATE FUNCTION private.my_org_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select m.org_id from public.memberships m where m.user_id = auth.uid()
$$;

COMMENT ON FUNCTION private.my_org_ids() IS 'Organizations the current user belongs to.';

REVOKE ALL ON FUNCTION private.my_org_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION private.my_org_ids() TO authenticated;
GRANT ALL ON FUNCTION private.my_org_ids() TO service_role;

-- Offline queues replay within days (Workbox keeps requests 7 days by default);
-- keys are kept 90 days, then purged daily. A replay older than that would be
-- treated as new — the functions' own state checks (a mission already in the
-- target status, a note id that exists) still stop it from doing harm.
CREATE FUNCTION private.purge_idempotency_keys(p_older_than interval DEFAULT '90 days'::interval) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_deleted bigint;
begin
  delete from public.idempotency_keys k where k.created_at < now() - p_older_than;
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;

-- Statement-level guard: one check per statement, whatever the number of rows.
CREATE FUNCTION private.require_live_session() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.assert_live_session();
  return null;
end;
$$;

COMMENT ON FUNCTION private.require_live_session() IS 'BEFORE … FOR EACH STATEMENT trigger: private.assert_live_session() before a sensitive table is written.';

REVOKE ALL ON FUNCTION private.require_live_session() FROM PUBLIC;

-- Shared by every table with an updated_at column.
CREATE FUNCTION private.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.updated_at := now();
  return new;
end;
$$;

REVOKE ALL ON FUNCTION private.touch_updated_at() FROM PUBLIC;

CREATE FUNCTION public.transfer_ownership(p_org_id uuid, p_to_user_id uuid, p_keep_current_as public.member_role DEFAULT 'admin'::public.member_role) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_caller uuid := auth.uid();
  v_target public.memberships%rowtype;
  v_reason text;
begin
  if v_caller is null then
    perform private.raise_api_error('authentication_required', 'Sign in as an owner of the organization to transfer its ownership');
  end if;
  perform private.assert_live_session();
  if p_org_id is null or p_to_user_id is null then
    perform private.raise_api_error('invalid_parameter', 'An organization and a new owner are required');
  end if;
  if p_keep_current_as is null or p_keep_current_as in ('owner', 'client') then
    perform private.raise_api_error('invalid_parameter',
      pg_catalog.format('The previous owner stays as admin, dispatcher, technician or accountant (got %s)',
                        coalesce(p_keep_current_as::text, 'null')));
  end if;

  -- Same answer for an unknown organization and one the caller does not own.
  -- Checked before locking: strangers never take the organization's lock.
  if not private.has_role_in(p_org_id, '{owner}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner of the organization can transfer its ownership');
  end if;
  perform from public.organizations o where o.id = p_org_id for no key update;
  -- A concurrent transfer may have committed while we waited: check again.
  if not private.has_role_in(p_org_id, '{owner}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner of the organization can transfer its ownership');
  end if;
  if p_to_user_id = v_caller then
    perform private.raise_api_error('invalid_parameter', 'You already own this organization: name another member as the new owner');
  end if;

  select m.* into v_target from public.memberships m where m.org_id = p_org_id and m.user_id = p_to_user_id;
  if not found then
    perform private.raise_api_error('not_found',
      pg_catalog.format('User %s is not a member of this organization', p_to_user_id),
      null, 'Invite them first; ownership goes to an existing member.');
  end if;
  if v_target.role = 'client' then
    perform private.raise_api_error('validation_failed', 'A client-portal user cannot own the organization');
  end if;

  v_reason := pg_catalog.format('ownership_transferred: %s to %s; previous owner stays %s', v_caller, p_to_user_id, p_keep_current_as);
  perform private.set_audit_reason(v_reason);
  update public.memberships m set role = 'owner' where m.id = v_target.id and m.role <> 'owner';
  update public.memberships m set role = p_keep_current_as where m.org_id = p_org_id and m.user_id = v_caller;
  perform private.set_audit_reason(null);

  perform audit.append(
    p_org_id, 'ownership_transferred', 'public.organizations', p_org_id::text,
    pg_catalog.jsonb_build_object(
      'owner', pg_catalog.jsonb_build_object('old', v_caller, 'new', p_to_user_id),
      'previous_owner_role', p_keep_current_as,
      'new_owner_previous_role', v_target.role),
    v_reason);

  return pg_catalog.jsonb_build_object(
    'org_id', p_org_id, 'owner', p_to_user_id, 'previous_owner', v_caller,
    'previous_owner_role', p_keep_current_as, 'new_owner_previous_role', v_target.role);
end;
$$;

CREATE TABLE public.organizations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    legal_form text,
    share_capital_cents bigint,
    siren text,
    siret text,
    vat_number text,
    rcs_city text,
    address_line1 text,
    address_line2 text,
    postal_code text,
    city text,
    country_code text DEFAULT 'FR'::text NOT NULL,
    email text,
    phone text,
    -- French law caps payment terms at 60 days from the invoice date (C. com. L441-10).
    default_payment_terms_days integer DEFAULT 30 NOT NULL,
    -- Annual late-payment penalty rate printed on invoices (at least 3x the legal rate).
    late_penalty_rate numeric(5,2),
    timezone text DEFAULT 'Europe/Paris'::text NOT NULL,
    currency text DEFAULT 'EUR'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    hourly_rate_cents bigint,
    labour_vat_rate public.fr_vat_rate DEFAULT 20.0 NOT NULL,
    CONSTRAINT organizations_address_line1_length CHECK ((char_length(address_line1) <= 200)),
    CONSTRAINT organizations_address_line2_length CHECK ((char_length(address_line2) <= 200)),
    CONSTRAINT organizations_city_length CHECK ((char_length(city) <= 100)),
    CONSTRAINT organizations_country_code_check CHECK ((country_code ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT organizations_currency_check CHECK ((currency = 'EUR'::text)),
    CONSTRAINT organizations_default_payment_terms_days_check CHECK (((default_payment_terms_days >= 0) AND (default_payment_terms_days <= 60))),
    CONSTRAINT organizations_email_length CHECK ((char_length(email) <= 320)),
    CONSTRAINT organizations_hourly_rate_cents_check CHECK (((hourly_rate_cents IS NULL) OR ((hourly_rate_cents >= 0) AND (hourly_rate_cents <= 10000000)))),
    CONSTRAINT organizations_late_penalty_rate_check CHECK (((late_penalty_rate IS NULL) OR ((late_penalty_rate >= (0)::numeric) AND (late_penalty_rate <= (100)::numeric)))),
    CONSTRAINT organizations_late_penalty_rate_finite CHECK ((late_penalty_rate <> ALL (ARRAY['NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric]))),
    CONSTRAINT organizations_legal_form_check CHECK (((legal_form IS NULL) OR ((length(btrim(legal_form)) >= 1) AND (length(btrim(legal_form)) <= 50)))),
    CONSTRAINT organizations_name_check CHECK (((length(btrim(name)) >= 1) AND (length(btrim(name)) <= 200))),
    CONSTRAINT organizations_phone_length CHECK ((char_length(phone) <= 50)),
    CONSTRAINT organizations_postal_code_length CHECK ((char_length(postal_code) <= 20)),
    CONSTRAINT organizations_rcs_city_length CHECK ((char_length(rcs_city) <= 100)),
    CONSTRAINT organizations_share_capital_cents_check CHECK (((share_capital_cents IS NULL) OR (share_capital_cents >= 0))),
    CONSTRAINT organizations_siren_check CHECK (((siren IS NULL) OR ((siren ~ '^[0-9]{9}$'::text) AND private.luhn_ok(siren)))),
    CONSTRAINT organizations_siret_check CHECK (((siret IS NULL) OR ((siret ~ '^[0-9]{14}$'::text) AND private.luhn_ok(siret)))),
    CONSTRAINT organizations_siret_matches_siren CHECK (((siret IS NULL) OR (siren IS NULL) OR ("left"(siret, 9) = siren))),
    CONSTRAINT organizations_timezone_length CHECK ((char_length(timezone) <= 64)),
    CONSTRAINT organizations_vat_matches_siren CHECK (((vat_number IS NULL) OR (siren IS NULL) OR ("right"(vat_number, 9) = siren))),
    CONSTRAINT organizations_vat_number_check CHECK (((vat_number IS NULL) OR (vat_number ~ '^FR[0-9A-Z]{2}[0-9]{9}$'::text)))
);

ALTER TABLE ONLY public.organizations
    ADD CONSTRAINT organizations_pkey PRIMARY KEY (id);

ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;

CREATE TRIGGER organizations_timezone_valid BEFORE INSERT OR UPDATE OF timezone ON public.organizations FOR EACH ROW EXECUTE FUNCTION private.check_organization_timezone();

CREATE TRIGGER organizations_touch BEFORE UPDATE ON public.organizations FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.organizations IS 'A field-service company (tenant). Its legal identity is printed on every invoice.';

COMMENT ON COLUMN public.organizations.hourly_rate_cents IS 'Hourly labour rate excl. VAT, in cents, used to invoice approved timesheets.';

COMMENT ON COLUMN public.organizations.labour_vat_rate IS 'VAT rate of labour lines (20 %; 10 % or 5.5 % for work on dwellings older than two years, CGI art. 279-0 bis and 278-0 bis A).';

GRANT SELECT ON TABLE public.organizations TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.organizations TO service_role;

GRANT UPDATE(name) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(legal_form) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(share_capital_cents) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(siren) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(siret) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(vat_number) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(rcs_city) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(address_line1) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(address_line2) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(postal_code) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(city) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(country_code) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(email) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(phone) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(default_payment_terms_days) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(late_penalty_rate) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(timezone) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(hourly_rate_cents) ON TABLE public.organizations TO authenticated;

GRANT UPDATE(labour_vat_rate) ON TABLE public.organizations TO authenticated;

CREATE TABLE public.memberships (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role public.member_role NOT NULL,
    -- Client-portal users see one client only; the foreign key is added with the clients table.
    client_id uuid,
    -- On-call technicians are notified of emergencies.
    on_call boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT memberships_client_iff_client_role CHECK (((role = 'client'::public.member_role) = (client_id IS NOT NULL)))
);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_one_per_org UNIQUE (org_id, user_id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_org_id_id_key UNIQUE (org_id, id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE;

CREATE INDEX memberships_client_id_idx ON public.memberships USING btree (org_id, client_id) WHERE (client_id IS NOT NULL);

-- RLS helpers look memberships up by user first.
CREATE INDEX memberships_user_id_idx ON public.memberships USING btree (user_id, org_id);

ALTER TABLE public.memberships ENABLE ROW LEVEL SECURITY;

CREATE TRIGGER memberships_guard_change BEFORE INSERT OR DELETE OR UPDATE ON public.memberships FOR EACH ROW EXECUTE FUNCTION private.guard_membership_change();

CREATE TRIGGER memberships_touch BEFORE UPDATE ON public.memberships FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.memberships IS 'Who belongs to which organization, in which role. One membership per user and organization.';

GRANT SELECT,DELETE ON TABLE public.memberships TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.memberships TO service_role;

GRANT UPDATE(role) ON TABLE public.memberships TO authenticated;

GRANT UPDATE(client_id) ON TABLE public.memberships TO authenticated;

GRANT UPDATE(on_call) ON TABLE public.memberships TO authenticated;

CREATE TABLE public.idempotency_keys (
    org_id uuid NOT NULL,
    -- Client-generated (a UUID in practice); scoped to one organization.
    key text NOT NULL,
    -- Who made the first call: another user presenting the same key is refused.
    user_id uuid,
    -- Which function the key was used with, e.g. 'transition_mission'.
    operation text NOT NULL,
    -- sha256 (hex) of the request's canonical jsonb text: a different payload is detected
    -- without storing the payload (notes can be 10,000 characters).
    request_hash text NOT NULL,
    -- What the first call returned; replays return it verbatim.
    result jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_keys_key_length CHECK (((length(key) >= 8) AND (length(key) <= 200))),
    CONSTRAINT idempotency_keys_operation_format CHECK ((operation ~ '^[a-z][a-z0-9_.]{0,62}$'::text)),
    CONSTRAINT idempotency_keys_request_hash_format CHECK ((request_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (org_id, key);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE SET NULL;

-- Retention purges by age.
CREATE INDEX idempotency_keys_created_at_idx ON public.idempotency_keys USING btree (created_at);

-- auth.users deletions set user_id to null: index the foreign key.
CREATE INDEX idempotency_keys_user_id_idx ON public.idempotency_keys USING btree (user_id) WHERE (user_id IS NOT NULL);

ALTER TABLE public.idempotency_keys ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE public.idempotency_keys IS 'Results of idempotent API calls by (org, client-generated key): a replay returns the stored result and changes nothing. Written and read only through private.idempotency_lookup / private.idempotency_store.';

COMMENT ON COLUMN public.idempotency_keys.request_hash IS 'sha256 of the request jsonb (canonical text): the same key with another payload is refused.';

CREATE TABLE public.profiles (
    id uuid NOT NULL,
    email text,
    full_name text,
    phone text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    language text DEFAULT 'fr'::text NOT NULL,
    CONSTRAINT profiles_email_length CHECK ((char_length(email) <= 320)),
    CONSTRAINT profiles_full_name_check CHECK (((full_name IS NULL) OR (length(full_name) <= 200))),
    CONSTRAINT profiles_language_check CHECK ((language = ANY (ARRAY['fr'::text, 'en'::text]))),
    CONSTRAINT profiles_phone_length CHECK ((char_length(phone) <= 50))
);

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT profiles_id_fkey FOREIGN KEY (id) REFERENCES auth.users(id) ON DELETE CASCADE;

ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;

CREATE POLICY profiles_update ON public.profiles FOR UPDATE TO authenticated USING ((id = ( SELECT auth.uid() AS uid))) WITH CHECK ((id = ( SELECT auth.uid() AS uid)));

CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();

COMMENT ON TABLE public.profiles IS 'Public part of an auth user, created by a trigger on auth.users (the usual Supabase pattern).';

COMMENT ON COLUMN public.profiles.language IS 'Language of the user''s notifications and emails: fr (default) or en.';

GRANT SELECT ON TABLE public.profiles TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.profiles TO service_role;

GRANT UPDATE(full_name) ON TABLE public.profiles TO authenticated;

GRANT UPDATE(phone) ON TABLE public.profiles TO authenticated;

GRANT UPDATE(language) ON TABLE public.profiles TO authenticated;

COMMENT ON FUNCTION private.has_role_in(target_org uuid, allowed public.member_role[]) IS 'True when the current user holds one of the given roles in the organization.';

COMMENT ON FUNCTION private.idempotency_lock(p_org uuid, p_key text) IS 'Validates an idempotency key (8..200 characters) and takes the transaction-level advisory lock on (org, key).';

COMMENT ON FUNCTION private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb) IS 'Call first, in the API function''s transaction: null when the key is new (the advisory lock on (org, key) is then held until commit), the stored result when it is a replay of the same operation, request and user, and an error (P0001) when the key was used for anything else.';

COMMENT ON FUNCTION private.idempotency_request_hash(p_request jsonb) IS 'sha256 (hex) of a request''s canonical jsonb text.';

COMMENT ON FUNCTION private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb) IS 'Call last, in the API function''s transaction: records the result returned to replays of (org, key).';

COMMENT ON FUNCTION private.luhn_ok(digits text) IS 'Luhn checksum, as used by SIREN (9 digits) and SIRET (14 digits).';

COMMENT ON FUNCTION private.member_role_in(target_org uuid) IS 'The current user''s role in an organization, or null when not a member.';

COMMENT ON FUNCTION private.purge_idempotency_keys(p_older_than interval) IS 'Deletes idempotency keys older than the retention (90 days by default); run daily by pg_cron.';

COMMENT ON FUNCTION public.transfer_ownership(p_org_id uuid, p_to_user_id uuid, p_keep_current_as public.member_role) IS 'RPC (owner, live session): makes another member (not a client-portal user) owner and the caller p_keep_current_as (admin by default; not owner nor client). Audited as ownership_transferred, plus the two membership diffs.';

REVOKE ALL ON FUNCTION private.has_role_in(target_org uuid, allowed public.member_role[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.has_role_in(target_org uuid, allowed public.member_role[]) TO authenticated;
GRANT ALL ON FUNCTION private.has_role_in(target_org uuid, allowed public.member_role[]) TO service_role;

REVOKE ALL ON FUNCTION private.idempotency_lock(p_org uuid, p_key text) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.idempotency_lookup(p_org uuid, p_key text, p_operation text, p_request jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.idempotency_request_hash(p_request jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.idempotency_store(p_org uuid, p_key text, p_operation text, p_request jsonb, p_result jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION private.luhn_ok(digits text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.luhn_ok(digits text) TO authenticated;
GRANT ALL ON FUNCTION private.luhn_ok(digits text) TO service_role;

REVOKE ALL ON FUNCTION private.member_role_in(target_org uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.member_role_in(target_org uuid) TO authenticated;
GRANT ALL ON FUNCTION private.member_role_in(target_org uuid) TO service_role;

REVOKE ALL ON FUNCTION private.purge_idempotency_keys(p_older_than interval) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.transfer_ownership(p_org_id uuid, p_to_user_id uuid, p_keep_current_as public.member_role) FROM PUBLIC;
GRANT ALL ON FUNCTION public.transfer_ownership(p_org_id uuid, p_to_user_id uuid, p_keep_current_as public.member_role) TO authenticated;

select cron.schedule('purge-idempotency-keys', '17 3 * * *', 'select private.purge_idempotency_keys()');

-- Every new auth user gets a public.profiles row (the usual Supabase pattern,
-- see private.handle_new_auth_user above).
create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_auth_user();
