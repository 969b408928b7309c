-- Down file of supabase/migrations/20261201012000_events_and_rules.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- triggers, policies, constraints and indexes it added to existing tables
drop trigger missions_log_blocked on public.missions;
drop trigger lock_overrides_log on public.lock_overrides;
drop trigger invoices_log_sent on public.invoices;
drop trigger emergency_requests_log_created on public.emergency_requests;

-- objects it created, dependents first
drop table public.rule_firings;
drop table public.events;
drop table public.app_events;
drop function public.create_rule(p_org_id uuid, p_name text, p_event_type text, p_condition text, p_action text, p_action_params jsonb, p_severity public.emergency_severity, p_max_firings integer, p_per_seconds integer, p_enabled boolean);
drop table public.rules;
drop function private.rules_validate();
drop function private.refresh_rule_summary(p_org uuid, p_dedupe_key text, p_params jsonb);
drop function private.notify_rule_roles(p_org uuid, p_roles public.member_role[], p_type text, p_entity_table text, p_entity_id uuid, p_dedupe_key text, p_params jsonb);
drop function private.log_row_event();
drop function private.log_lock_override();
drop function private.log_app_event(p_org uuid, p_type text, p_severity text, p_entity_table text, p_entity_id uuid, p_payload jsonb);
drop function private.ingest_event(p_org uuid, p_api_key_id uuid, p_source_event_id text, p_type text, p_occurred_at timestamp with time zone, p_payload jsonb);
