-- =============================================================================
-- audit.log: a BRIN index on occurred_at instead of the (org_id, occurred_at
-- desc, id desc) B-tree.
--
-- Every audited row pays for each index of audit.log. The five, against the
-- queries that read the log (audit.select_rows behind audit_log_page and
-- audit_log_csv: `org_id = $1 [and table_name = …] [and actor_user_id = …]
-- [and occurred_at >= … and occurred_at < …] [and id < $before] order by id
-- desc limit n`, and check_lock_override_recorded):
--   log_pkey                 the key; kept.
--   log_org_id_idx           org_id = $1 order by id desc (every page and
--                            export): kept.
--   log_org_table_idx        the table filter, and the lock-override safety
--                            net (org, table, this transaction's newest rows): kept.
--   log_org_actor_idx        the actor filter ("what did this user do"),
--                            partial (system rows have no actor): kept.
--   log_org_time_idx         the time filter. Its order (occurred_at) is not
--                            the page order (id), so a page still sorts what
--                            it reads; and occurred_at grows with id in this
--                            append-only table, so the time window is a range
--                            of the heap: what BRIN is for. Replaced.
-- The BRIN index (a few pages for millions of rows) is combined with
-- log_org_id_idx (BitmapAnd) when a window is narrow; otherwise the planner
-- walks log_org_id_idx backwards and filters by time. An insert summarises
-- nothing until its range is complete (autosummarize off), so the B-tree's
-- per-row maintenance is gone.
-- =============================================================================

create index log_occurred_at_brin on audit.log using brin (occurred_at);
comment on index audit.log_occurred_at_brin is
  'Time windows of audit_log_page / audit_log_csv (occurred_at grows with the append-only log); replaces a B-tree maintained on every audited row.';
drop index audit.log_org_time_idx;
