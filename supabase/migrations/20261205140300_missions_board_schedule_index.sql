-- =============================================================================
-- The missions board pages through an organization's missions by scheduled
-- date (order by scheduled_start, id; the next page starts after the last row
-- shown). Its open-missions view has missions_org_open_idx; every other view
-- (all statuses, one status, the next pages) had no index in that order, so
-- each page read all of the organization's missions and sorted them: 34 ms
-- for a page of 25 among 10,000 missions (npm run bench, "dispatcher board:
-- all statuses, next page"), growing with the organization.
--
-- With (org_id, scheduled_start, id) a page is an index range read in order
-- that stops after 26 rows; id is the tie-break of the order, so the cursor
-- condition (scheduled_start, id) > (x, y) is one range too.
-- =============================================================================

create index missions_org_schedule_idx on public.missions using btree (org_id, scheduled_start, id);

comment on index public.missions_org_schedule_idx is 'The missions board''s order (web/src/office/dispatch/board.ts): an organization''s missions by scheduled date then id, read a page at a time.';

-- The open-missions view (the board's default) keeps its partial index, now
-- with the same tie-break: without id, under RLS the planner preferred walking
-- the index above from the organization's oldest missions (mostly invoiced),
-- filtering ~8,600 rows before the first open one (0.6 → 38 ms at 10,000
-- missions per organization). With id both indexes give the order, and the
-- partial one holds only open missions.
drop index public.missions_org_open_idx;
create index missions_org_open_idx on public.missions using btree (org_id, scheduled_start, id)
  where status = any (array['new', 'published', 'assigned', 'in_progress', 'blocked']::public.mission_status[]);
