-- Down file of supabase/migrations/20261205130000_alert_sound_setting.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- columns it added to existing tables (its column grant goes with it)
alter table public.organizations drop column alert_sound_enabled;
