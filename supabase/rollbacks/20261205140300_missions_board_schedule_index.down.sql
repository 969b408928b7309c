-- The board pages again by sorting the organization's missions; the open-missions index without its tie-break.
drop index public.missions_org_schedule_idx;
drop index public.missions_org_open_idx;
create index missions_org_open_idx on public.missions using btree (org_id, scheduled_start)
  where status = any (array['new', 'published', 'assigned', 'in_progress', 'blocked']::public.mission_status[]);
