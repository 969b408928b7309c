-- Down file of supabase/migrations/20261206160000_search_mission_title_words.sql: no word
-- list of mission titles (docs/conventions.md § Reversible migrations). Roll back
-- 20261206160100_search_mission_title_typos.sql first: its search reads the list.
drop trigger if exists missions_search_words_truncate on public.missions;
drop trigger if exists missions_search_words_delete on public.missions;
drop trigger if exists missions_search_words_update on public.missions;
drop trigger if exists missions_search_words_insert on public.missions;
drop function if exists private.clear_mission_title_words();
drop function if exists private.track_mission_title_words();
drop table if exists private.search_words;
drop function if exists private.search_title_words(text);
