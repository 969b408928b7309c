-- The alert dashboard's "resolved" tab lists an organization's latest
-- resolved alerts (org_id = …, status = 'resolved', order by resolved_at desc,
-- limit 50) on every refresh. Resolved alerts are the history that only
-- grows; without this index each refresh reads every resolved alert of the
-- organization and sorts them. Partial: open alerts never enter it.
create index alerts_org_resolved_recent_idx
  on public.alerts (org_id, resolved_at desc)
  where status = 'resolved';
