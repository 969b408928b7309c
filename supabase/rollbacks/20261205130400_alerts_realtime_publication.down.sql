-- Down of 20261205130400_alerts_realtime_publication.sql: public.alerts leaves the
-- supabase_realtime publication where the migration added it (nothing happens
-- where the publication does not exist, as on the local stack).
do $$
begin
  if exists (select from pg_catalog.pg_publication_tables t
             where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and t.tablename = 'alerts') then
    alter publication supabase_realtime drop table public.alerts;
  end if;
end
$$;
