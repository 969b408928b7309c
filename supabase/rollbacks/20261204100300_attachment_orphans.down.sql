-- Down file of supabase/migrations/20261204100300_attachment_orphans.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
update ops.health_check_catalog t set ("description", "details_key", "details_when_clean") = (select o."description", o."details_key", o."details_when_clean" from jsonb_populate_record(null::ops.health_check_catalog, '{"name":"orphaned_attachments","view":"check_orphaned_attachments","cadence":"weekly","position":11,"description":"Placeholder until an attachments table exists: then it fails until a real orphan check is written.","details_key":"note","details_when_clean":{"note":"no attachments table"}}') o) where t.name = 'orphaned_attachments';

-- objects it created, dependents first
drop function public.claim_orphaned_attachments(p_older_than interval, p_limit integer);

-- definitions it replaced, as they were
drop view ops.check_orphaned_attachments;
create view ops.check_orphaned_attachments as
 SELECT to_jsonb('public.attachments exists but ops.check_orphaned_attachments has no orphan check for it yet: write one'::text) AS detail,
    (1)::bigint AS sample_rank
  WHERE (to_regclass('public.attachments'::text) IS NOT NULL);
grant SELECT on table ops.check_orphaned_attachments to service_role;
comment on view ops.check_orphaned_attachments is 'Health check orphaned_attachments: the offending rows (see ops.health_check_catalog).';

