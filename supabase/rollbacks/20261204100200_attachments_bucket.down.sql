-- Down file of supabase/migrations/20261204100200_attachments_bucket.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
delete from storage.buckets where id = 'attachments';

-- triggers, policies, constraints and indexes it added to existing tables
drop policy attachments_objects_select on storage.objects;
