-- Down file of supabase/migrations/20261208130200_invited_account_removals_health_check.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).

delete from ops.health_check_catalog where name = 'invited_account_removals_overdue';
drop view ops.check_invited_account_removals_overdue;
drop index private.invited_account_removals_queued_at_idx;
