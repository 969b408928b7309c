-- =============================================================================
-- Audit every business table (issue 4 item 6).
--
-- Every ordinary table of schema public gets the generic row trigger
-- (audit.enable_for), except:
--   * the tables of audit.unaudited_tables (idempotency_keys, notifications:
--     see the reasons there);
--   * public.mission_status_history: audited on UPDATE and DELETE only. Its
--     rows are written by a trigger for every mission status change, which the
--     missions row already records as a 'status_change' audit row (from/to,
--     actor, reason, request id): auditing the INSERT would write every
--     transition twice. The history is never supposed to change: an UPDATE or
--     DELETE of it (or its cascade from a deleted mission) is audited.
--   * public.lock_overrides: its INSERT is folded into the audit as ONE
--     'lock_override' row about the overridden row (field diff before → after,
--     and the override's reason) by audit.record_lock_override; UPDATE and
--     DELETE are refused by its append-only triggers and audited anyway, should
--     a superuser ever disable those.
--
-- Written as a loop over the catalog so that a public table created by an
-- earlier migration of this issue is covered too; tables created later call
-- audit.enable_for in their own migration (the pgTAP suite checks it).
-- At the time of writing: organizations, profiles, memberships, clients,
-- sites, maintenance_contracts, client_requests, emergency_requests, missions,
-- mission_valid_transitions, mission_notes, timesheets, stock_items,
-- stock_movements, quotes, quote_lines, invoices, invoice_lines, payments.
--
-- Row trigger or statement trigger with transition tables? Measured on the
-- development machine (2 busy vCPUs; median of 12 runs in one warm session,
-- audit.log vacuumed between runs):
--   bulk_approve_timesheets, 100 rows:  29.5 ms without audit, 55.8 ms with
--                                       the row trigger (~0.26 ms per row);
--                                       the same 100 rows with a statement
--                                       trigger (REFERENCING OLD/NEW TABLE, one
--                                       INSERT … SELECT, even fully set-based
--                                       with no helper call per row): 55-60 ms.
--   1000 stock movements in one INSERT: 1.70 s without, 1.92 s with (~0.22 ms
--                                       per movement; the stock_items update
--                                       it causes changes only ignored columns
--                                       and writes no row).
-- The cost is the per-row work both designs share (two jsonb images, the diff,
-- one audit row and its five index entries), not the trigger call, so the
-- simpler row trigger is kept: one trigger per table instead of three
-- (transition tables allow one event per trigger), and the same shape as the
-- deferred lock-override check, which must be a row trigger.
-- =============================================================================

do $$
declare
  v_table regclass;
begin
  for v_table in
    select c.oid::regclass
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public'
      and c.relkind in ('r', 'p')
      and not c.relispartition
      and c.relname not in ('mission_status_history', 'lock_overrides')
      and pg_catalog.format('%s.%s', n.nspname, c.relname) not in (select u.table_name from audit.unaudited_tables u)
    order by c.relname
  loop
    perform audit.enable_for(v_table);
  end loop;
end;
$$;

select audit.enable_for('public.mission_status_history', array['update', 'delete']);
select audit.enable_for('public.lock_overrides', array['update', 'delete']);

create trigger audit_record_lock_override
  after insert on public.lock_overrides
  for each row execute function audit.record_lock_override();

comment on table public.lock_overrides is
  'Append-only record of every override of a locked row (approved timesheets): who, why, before and after. '
  'Each row is also written to audit.log as one ''lock_override'' row on the overridden row, with its reason and field diff.';
