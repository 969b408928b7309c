-- =============================================================================
-- Free text has a maximum length.
--
-- PostgREST writes whatever JSON body it is given: a 64 MiB string stored in
-- clients.notes was accepted, then served back on every list of clients,
-- copied into the audit trail and into every backup. Most text columns of the
-- exposed schema already had a bound; these did not. Limits are in characters
-- (char_length), generous for legitimate use:
--   names, cities, short labels ........ 100–200
--   postal codes, phones ............... 20 / 50
--   e-mail addresses ................... 320 (RFC 5321: 64 + 1 + 255)
--   postal addresses ................... 500
--   reasons, error texts ............... 2,000 (as lock_overrides.reason)
--   notes and descriptions ............. 10,000 (as missions.description)
--   identifiers (table names) .......... 63 per part (NAMEDATALEN - 1)
-- JSON written by users or by edge functions gets a size cap on its text form
-- (octet_length), as events.payload already has.
--
-- Constraints are named <table>_<column>_length (text) and
-- <table>_<column>_size (JSON, arrays); a too-long value is refused with
-- SQLSTATE 23514 and that name. ops.lint_column_findings (rule
-- text_without_limit) reports any future free-text column without a bound.
--
-- Existing rows are validated, not trimmed: if one is longer than its new
-- limit the migration stops on it (23514 "is violated by some row"), and a
-- person decides what to keep.
-- =============================================================================

alter table public.clients
  add constraint clients_billing_address_length check (char_length(billing_address) <= 500),
  add constraint clients_billing_city_length check (char_length(billing_city) <= 100),
  add constraint clients_billing_postal_code_length check (char_length(billing_postal_code) <= 20),
  add constraint clients_email_length check (char_length(email) <= 320),
  add constraint clients_phone_length check (char_length(phone) <= 50),
  add constraint clients_notes_length check (char_length(notes) <= 10000);

alter table public.organizations
  add constraint organizations_address_line1_length check (char_length(address_line1) <= 200),
  add constraint organizations_address_line2_length check (char_length(address_line2) <= 200),
  add constraint organizations_city_length check (char_length(city) <= 100),
  add constraint organizations_postal_code_length check (char_length(postal_code) <= 20),
  add constraint organizations_rcs_city_length check (char_length(rcs_city) <= 100),
  add constraint organizations_email_length check (char_length(email) <= 320),
  add constraint organizations_phone_length check (char_length(phone) <= 50),
  -- IANA zone names are at most about 30 characters; a trigger already
  -- requires a known zone, the bound keeps the lookup itself cheap.
  add constraint organizations_timezone_length check (char_length(timezone) <= 64);

alter table public.profiles
  add constraint profiles_email_length check (char_length(email) <= 320),
  add constraint profiles_phone_length check (char_length(phone) <= 50);

alter table public.sites
  add constraint sites_address_length check (char_length(address) <= 500),
  add constraint sites_city_length check (char_length(city) <= 100),
  add constraint sites_postal_code_length check (char_length(postal_code) <= 20),
  add constraint sites_access_notes_length check (char_length(access_notes) <= 10000);

alter table public.missions
  add constraint missions_blocked_reason_length check (char_length(blocked_reason) <= 2000);

alter table public.mission_status_history
  add constraint mission_status_history_reason_length check (char_length(reason) <= 2000);

alter table public.mission_valid_transitions
  add constraint mission_valid_transitions_description_length check (char_length(description) <= 500),
  add constraint mission_valid_transitions_system_context_length check (char_length(system_context) <= 63);

-- Written by the delivery functions, which already keep the first 2,000
-- characters of a provider's error.
alter table public.notifications
  add constraint notifications_last_error_length check (char_length(last_error) <= 2000),
  add constraint notifications_entity_table_length check (char_length(entity_table) <= 127);

alter table public.notification_templates
  add constraint notification_templates_type_length check (char_length(type) <= 100);

-- "<schema>.<table>" and plain table names: their patterns bound the
-- characters, not the length.
alter table public.alerts
  add constraint alerts_alert_type_length check (char_length(alert_type) <= 100),
  add constraint alerts_fingerprint_length check (char_length(fingerprint) <= 200),
  add constraint alerts_entity_table_length check (char_length(entity_table) <= 127);

alter table public.app_events
  add constraint app_events_entity_table_length check (char_length(entity_table) <= 127),
  add constraint app_events_payload_size check (octet_length(payload::text) <= 65536);

alter table public.rule_firings
  add constraint rule_firings_entity_table_length check (char_length(entity_table) <= 127);

alter table public.lock_overrides
  add constraint lock_overrides_table_name_length check (char_length(table_name) <= 63);

-- Admins edit a rule's action parameters (roles to notify, severity, texts).
alter table public.rules
  add constraint rules_action_params_size check (octet_length(action_params::text) <= 16384);

-- Scopes come from a fixed list (api_keys_scopes_check); the count bound
-- refuses an array repeating one scope a million times.
alter table public.api_keys
  add constraint api_keys_scopes_size check (cardinality(scopes) <= 32);
