-- =============================================================================
-- Row-level security policies and explicit grants for every table that
-- exists today (issue 4, items 2 and 3), implementing private.permission_matrix.
--
-- Conventions:
--   * one policy per table and operation, `to authenticated`; its branches
--     (OR) are the matrix rows of that operation, each commented with the
--     roles and the scope it implements;
--   * helpers are called wrapped, `(select private.fn())`, so they run once
--     per statement (see the helpers migration for the measured shapes);
--   * every INSERT / UPDATE policy has a WITH CHECK that the row's org_id is
--     one of the user's organizations for that role (and, for portal users,
--     that the row is their client's). Foreign keys all include org_id, so a
--     referenced row is always in the row's organization: a user can never
--     make the database confirm or deny that another organization's id exists;
--   * grants are explicit (Supabase stops auto-granting new public tables in
--     2026): table-level SELECT, and INSERT / UPDATE on the columns a user may
--     write (column grants), so columns owned by triggers or RPCs (status,
--     numbers, hashes, on_hand, created_by, …) are refused with 42501;
--   * anon gets nothing: every table and view is revoked from it;
--   * service_role bypasses RLS and is used only by edge functions: it gets
--     select, insert, update, delete on every table (select on the views),
--     as Supabase grants it, except public.idempotency_keys (closed to every
--     API role) and public.lock_overrides (select only: an override audit
--     record is written only by override_timesheet_lock).
--
-- Indexes: every branch filters on org_id (leading column of an index on
-- every table), on (org_id, client_id) (the *_client_idx indexes and
-- invoices_org_client_id_key), on missions.technician_id
-- (missions_technician_idx), on (org_id, status) (missions_org_status_idx),
-- on memberships.user_id (memberships_user_id_idx) or on a primary key; the
-- issue 3 migrations created them all, so this migration adds none. The
-- pgTAP suite (50-permission-matrix.sql) checks every policy column is
-- covered by an index.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- Functions evaluated with the caller's privileges while they write: CHECK
-- constraints call these (SIREN/SIRET Luhn check, document number format).
-- Immutable, no side effect, nothing to hide.
-- -----------------------------------------------------------------------------
grant execute on function private.luhn_ok(text), private.document_number(text, integer, bigint) to authenticated, service_role;

-- created_by of requests is the signed-in user, never a value the client sends
-- (the column is not granted for INSERT); the system actor (imports, seeds)
-- may still name one explicitly.
alter table public.client_requests alter column created_by set default auth.uid();
alter table public.emergency_requests alter column created_by set default auth.uid();

-- -----------------------------------------------------------------------------
-- Grants. Start from nothing for the API roles, then add what the matrix needs.
-- -----------------------------------------------------------------------------
revoke all on all tables in schema public from anon, authenticated, service_role;

grant select on
  public.organizations, public.profiles, public.memberships, public.clients, public.sites,
  public.maintenance_contracts, public.client_requests, public.emergency_requests, public.missions,
  public.mission_status_history, public.mission_valid_transitions, public.mission_notes, public.timesheets,
  public.lock_overrides, public.stock_items, public.stock_movements, public.stock_low, public.stock_negative,
  public.quotes, public.quote_lines, public.invoices, public.invoice_lines, public.payments
  to authenticated;

grant update (name, legal_form, share_capital_cents, siren, siret, vat_number, rcs_city, address_line1, address_line2,
              postal_code, city, country_code, email, phone, default_payment_terms_days, late_penalty_rate, timezone,
              hourly_rate_cents, labour_vat_rate)
  on public.organizations to authenticated;
grant update (full_name, phone) on public.profiles to authenticated;
grant update (role, client_id, on_call), delete on public.memberships to authenticated;

grant insert (id, org_id, name, kind, siren, vat_number, email, phone, billing_address, billing_postal_code, billing_city,
              billing_country, payment_terms_days, notes),
      update (name, kind, siren, vat_number, email, phone, billing_address, billing_postal_code, billing_city,
              billing_country, payment_terms_days, notes),
      delete
  on public.clients to authenticated;
grant insert (id, org_id, client_id, name, address, postal_code, city, access_notes, latitude, longitude),
      update (name, address, postal_code, city, access_notes, latitude, longitude),
      delete
  on public.sites to authenticated;
grant insert (id, org_id, client_id, site_id, reference, starts_on, ends_on, visit_frequency_months, sla_hours, status),
      update (site_id, reference, starts_on, ends_on, visit_frequency_months, sla_hours, status),
      delete
  on public.maintenance_contracts to authenticated;
grant insert (id, org_id, client_id, site_id, subject, description, status),
      update (site_id, subject, description, status),
      delete
  on public.client_requests to authenticated;
grant insert (id, org_id, client_id, site_id, severity, description, source),
      update (site_id, severity, description, status),
      delete
  on public.emergency_requests to authenticated;
grant insert (id, org_id, client_id, site_id, contract_id, client_request_id, emergency_request_id, title, description,
              scheduled_start, scheduled_end, technician_id, priority),
      update (client_id, site_id, contract_id, client_request_id, emergency_request_id, title, description,
              scheduled_start, scheduled_end, technician_id, priority)
  on public.missions to authenticated;

grant update (work_date, hours, note, mission_id), delete on public.timesheets to authenticated;

grant insert (id, org_id, sku, name, unit, min_stock, cost_cents, price_cents, vat_rate),
      update (sku, name, unit, min_stock, cost_cents, price_cents, vat_rate),
      delete
  on public.stock_items to authenticated;
grant insert (id, org_id, item_id, kind, quantity, adjustment_direction, mission_id, reason, idempotency_key)
  on public.stock_movements to authenticated;

grant insert (id, org_id, client_id, site_id, title, notes, valid_until),
      update (client_id, site_id, title, notes, valid_until, status),
      delete
  on public.quotes to authenticated;
grant insert (id, org_id, quote_id, position, description, quantity, unit, unit_price_cents, vat_rate),
      update (position, description, quantity, unit, unit_price_cents, vat_rate),
      delete
  on public.quote_lines to authenticated;
grant insert (id, org_id, client_id, kind, credited_invoice_id, issue_date, service_date, due_date, payment_terms, notes),
      update (client_id, kind, credited_invoice_id, issue_date, service_date, due_date, payment_terms, notes),
      delete
  on public.invoices to authenticated;
grant insert (id, org_id, invoice_id, position, description, quantity, unit, unit_price_cents, vat_rate,
              mission_id, timesheet_id, stock_item_id),
      update (position, description, quantity, unit, unit_price_cents, vat_rate, mission_id, timesheet_id, stock_item_id),
      delete
  on public.invoice_lines to authenticated;
grant insert (id, org_id, invoice_id, amount_cents, method, paid_on, external_ref, label),
      update (invoice_id),
      delete
  on public.payments to authenticated;

-- service_role: edge functions (it bypasses RLS; never shipped to a browser).
grant select, insert, update, delete on
  public.organizations, public.profiles, public.memberships, public.clients, public.sites,
  public.maintenance_contracts, public.client_requests, public.emergency_requests, public.missions,
  public.mission_status_history, public.mission_valid_transitions, public.mission_notes, public.timesheets,
  public.stock_items, public.stock_movements, public.quotes, public.quote_lines, public.invoices,
  public.invoice_lines, public.payments
  to service_role;
grant select on public.lock_overrides, public.stock_low, public.stock_negative to service_role;

-- -----------------------------------------------------------------------------
-- Policies. Abbreviations in the comments: O owner, A admin, D dispatcher,
-- T technician, Acc accountant, C client-portal user.
-- -----------------------------------------------------------------------------

-- organizations --------------------------------------------------------------
create policy organizations_select on public.organizations for select to authenticated
  using (id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant,client}'))::uuid[]));  -- all: org
create policy organizations_update on public.organizations for update to authenticated
  using (id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]))  -- O A: org
  with check (id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));

-- profiles -------------------------------------------------------------------
create policy profiles_select on public.profiles for select to authenticated
  using (
    id = (select auth.uid())                                            -- C: own (and everyone their own)
    or id = any ((select private.my_colleague_ids())::uuid[])           -- O A D T Acc: org
  );
create policy profiles_update on public.profiles for update to authenticated
  using (id = (select auth.uid()))                                      -- all: own
  with check (id = (select auth.uid()));

-- memberships ----------------------------------------------------------------
create policy memberships_select on public.memberships for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])  -- O A D: org
    or user_id = (select auth.uid())                                                    -- T Acc C: own
  );
create policy memberships_update on public.memberships for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]))       -- O A: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));
create policy memberships_delete on public.memberships for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));     -- O A: org

-- clients --------------------------------------------------------------------
create policy clients_select on public.clients for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and id in (select private.my_assigned_client_ids()))
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client
        and id = any ((select private.my_client_ids())::uuid[]))
  );
create policy clients_insert on public.clients for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));  -- O A D Acc: org
create policy clients_update on public.clients for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]))        -- O A D Acc: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));
create policy clients_delete on public.clients for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                             -- O A: org

-- sites ----------------------------------------------------------------------
create policy sites_select on public.sites for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and id in (select private.my_assigned_site_ids()))
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client
        and client_id = any ((select private.my_client_ids())::uuid[]))
  );
create policy sites_insert on public.sites for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));    -- O A D: org
create policy sites_update on public.sites for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]))          -- O A D: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));
create policy sites_delete on public.sites for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

-- maintenance_contracts ------------------------------------------------------
create policy maintenance_contracts_select on public.maintenance_contracts for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and id in (select private.my_assigned_contract_ids()))
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client
        and client_id = any ((select private.my_client_ids())::uuid[]))
  );
create policy maintenance_contracts_insert on public.maintenance_contracts for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));              -- O A: org
create policy maintenance_contracts_update on public.maintenance_contracts for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]))                    -- O A: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));
create policy maintenance_contracts_delete on public.maintenance_contracts for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

-- client_requests ------------------------------------------------------------
create policy client_requests_select on public.client_requests for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and id in (select private.my_assigned_client_request_ids()))
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client
        and client_id = any ((select private.my_client_ids())::uuid[]))
  );
create policy client_requests_insert on public.client_requests for insert to authenticated
  with check (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client, open
        and client_id = any ((select private.my_client_ids())::uuid[])
        and status = 'open')
  );
create policy client_requests_update on public.client_requests for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]))          -- O A D: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));
create policy client_requests_delete on public.client_requests for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

-- emergency_requests ---------------------------------------------------------
create policy emergency_requests_select on public.emergency_requests for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and id in (select private.my_assigned_emergency_ids()))
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client
        and client_id = any ((select private.my_client_ids())::uuid[]))
  );
create policy emergency_requests_insert on public.emergency_requests for insert to authenticated
  with check (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client, from the portal
        and client_id = any ((select private.my_client_ids())::uuid[])
        and source = 'portal' and status = 'pending')
  );
create policy emergency_requests_update on public.emergency_requests for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]))          -- O A D: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));
create policy emergency_requests_delete on public.emergency_requests for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

-- missions -------------------------------------------------------------------
-- The technician branches are private.assigned_missions() written inline,
-- so each stays an index condition (missions_technician_idx,
-- missions_org_status_idx): keep the two definitions identical.
create policy missions_select on public.missions for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (technician_id = (select auth.uid())                                                           -- T: assigned to them
        and org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[]))
    or (status = 'published' and technician_id is null                                               -- T: open to them (the pool)
        and org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[]))
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client
        and client_id = any ((select private.my_client_ids())::uuid[]))
  );
create policy missions_insert on public.missions for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));    -- O A D: org
create policy missions_update on public.missions for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]))          -- O A D: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));

-- mission_status_history -----------------------------------------------------
create policy mission_status_history_select on public.mission_status_history for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and mission_id in (select private.my_assigned_mission_ids()))
  );

-- mission_valid_transitions (reference data, no organization) -----------------
create policy mission_valid_transitions_select on public.mission_valid_transitions for select to authenticated
  using (true);                                                                                       -- all: reference

-- mission_notes --------------------------------------------------------------
create policy mission_notes_select on public.mission_notes for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and mission_id in (select private.my_assigned_mission_ids()))
  );

-- timesheets -----------------------------------------------------------------
create policy timesheets_select on public.timesheets for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[])                -- O A D: org
    or (org_id = any ((select private.my_org_ids_as('{accountant}'))::uuid[])                        -- Acc: org, approved rows
        and approved_at is not null)
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: own
        and technician_id = (select auth.uid()))
  );
create policy timesheets_update on public.timesheets for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]))          -- O A D: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));
create policy timesheets_delete on public.timesheets for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher}'))::uuid[]));         -- O A D: org

-- lock_overrides -------------------------------------------------------------
create policy lock_overrides_select on public.lock_overrides for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

-- stock_items ----------------------------------------------------------------
create policy stock_items_select on public.stock_items for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,technician,accountant}'))::uuid[]));  -- O A D T Acc: org
create policy stock_items_insert on public.stock_items for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));              -- O A: org
create policy stock_items_update on public.stock_items for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]))                    -- O A: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));
create policy stock_items_delete on public.stock_items for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));                   -- O A: org

-- stock_movements ------------------------------------------------------------
create policy stock_movements_select on public.stock_movements for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (org_id = any ((select private.my_org_ids_as('{technician}'))::uuid[])                        -- T: assigned
        and mission_id in (select private.my_assigned_mission_ids()))
  );
create policy stock_movements_insert on public.stock_movements for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));              -- O A: org

-- quotes ---------------------------------------------------------------------
create policy quotes_select on public.quotes for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client, sent
        and client_id = any ((select private.my_client_ids())::uuid[])
        and status <> 'draft')
  );
create policy quotes_insert on public.quotes for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));  -- O A D Acc: org
create policy quotes_update on public.quotes for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]))        -- O A D Acc: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));
create policy quotes_delete on public.quotes for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));       -- O A D Acc: org

-- quote_lines ----------------------------------------------------------------
create policy quote_lines_select on public.quote_lines for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[])     -- O A D Acc: org
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client, sent quotes
        and quote_id in (select private.my_client_quote_ids()))
  );
create policy quote_lines_insert on public.quote_lines for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));  -- O A D Acc: org
create policy quote_lines_update on public.quote_lines for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]))        -- O A D Acc: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));
create policy quote_lines_delete on public.quote_lines for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'))::uuid[]));       -- O A D Acc: org

-- invoices -------------------------------------------------------------------
create policy invoices_select on public.invoices for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[])                -- O A Acc: org
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client, issued
        and client_id = any ((select private.my_client_ids())::uuid[])
        and status <> 'draft')
  );
create policy invoices_insert on public.invoices for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));    -- O A Acc: org
create policy invoices_update on public.invoices for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]))          -- O A Acc: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));
create policy invoices_delete on public.invoices for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));         -- O A Acc: org

-- invoice_lines --------------------------------------------------------------
create policy invoice_lines_select on public.invoice_lines for select to authenticated
  using (
    org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[])                -- O A Acc: org
    or (org_id = any ((select private.my_org_ids_as('{client}'))::uuid[])                            -- C: client, issued documents
        and invoice_id in (select private.my_client_invoice_ids()))
  );
create policy invoice_lines_insert on public.invoice_lines for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));    -- O A Acc: org
create policy invoice_lines_update on public.invoice_lines for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]))          -- O A Acc: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));
create policy invoice_lines_delete on public.invoice_lines for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));         -- O A Acc: org

-- payments -------------------------------------------------------------------
create policy payments_select on public.payments for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));         -- O A Acc: org
create policy payments_insert on public.payments for insert to authenticated
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));    -- O A Acc: org
create policy payments_update on public.payments for update to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]))          -- O A Acc: org
  with check (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));
create policy payments_delete on public.payments for delete to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin,accountant}'))::uuid[]));         -- O A Acc: org

-- idempotency_keys: closed on purpose (private.permission_matrix_closed_tables):
-- RLS on, no policy, no grant.
