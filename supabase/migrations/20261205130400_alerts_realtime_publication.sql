-- The alert dashboard follows public.alerts through Supabase Realtime
-- (postgres_changes, filtered by org_id; Realtime applies the subscriber's RLS
-- to each row). Realtime only streams tables in the supabase_realtime
-- publication, which every Supabase project has (empty at first): without
-- this, the channel would subscribe and then never deliver a change.
--
-- The local stack runs no Realtime server and has no such publication; the
-- dashboard polls there. Creating the publication here would make the
-- migration's down file guess whether the platform or this migration owns it,
-- so the table is added only where the publication exists.
do $$
begin
  if exists (select from pg_catalog.pg_publication p where p.pubname = 'supabase_realtime')
     and not exists (select from pg_catalog.pg_publication_tables t
                     where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and t.tablename = 'alerts') then
    alter publication supabase_realtime add table public.alerts;
  end if;
end
$$;
