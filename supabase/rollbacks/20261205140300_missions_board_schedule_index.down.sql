-- The board pages again by sorting the organization's missions.
drop index public.missions_org_schedule_idx;
