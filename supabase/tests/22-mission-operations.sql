-- Mission operations through the API: transition_mission, add_mission_note and
-- bulk_transition_missions — who may call them, what they return, what they
-- refuse (with which message), and that a mission of another organization is
-- never revealed.
begin;
select plan(56);

-- -----------------------------------------------------------------------------
-- Helpers.
-- -----------------------------------------------------------------------------
-- A mission brought to p_status by the system actor (technician p_tech when needed).
create function pg_temp.mission_at(p_id uuid, p_status public.mission_status, p_title text,
                                   p_tech uuid default 'a0000000-0000-4000-8000-000000000003',
                                   p_client uuid default 'a0000000-0000-4000-8000-0000000000c1')
returns uuid language plpgsql as $$
declare
  v_step public.mission_status;
  v_org uuid := case when p_client::text like 'b%' then 'b0000000-0000-4000-8000-0000000000b0'::uuid
                     else 'a0000000-0000-4000-8000-0000000000a0'::uuid end;
  v_site uuid := (select s.id from public.sites s where s.client_id = p_client order by s.id limit 1);
begin
  insert into public.missions (id, org_id, client_id, site_id, title) values (p_id, v_org, p_client, v_site, p_title);
  foreach v_step in array case p_status
      when 'new'         then '{}'::public.mission_status[]
      when 'published'   then '{published}'
      when 'assigned'    then '{published,assigned}'
      when 'in_progress' then '{published,assigned,in_progress}'
      when 'done'        then '{published,assigned,in_progress,done}' end
  loop
    update public.missions
       set status = v_step, technician_id = case when v_step = 'assigned' then p_tech else technician_id end
     where id = p_id;
  end loop;
  return p_id;
end $$;

-- Karim …03, Sophie …04 (technicians); dispatcher …02; accountant …05; client portal …06 (client c1).
do $$ begin
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f201', 'new',         'API — boiler service');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f202', 'new',         'API — bakery', p_client => 'a0000000-0000-4000-8000-0000000000c2');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f203', 'in_progress', 'API — Karim at work');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f204', 'done',        'API — done');
  perform pg_temp.mission_at('b0000000-0000-4000-8000-00000000f201', 'new',         'API — other organization',
                             p_tech => null, p_client => 'b0000000-0000-4000-8000-0000000000c1');
end $$;

-- -----------------------------------------------------------------------------
-- Privileges. (4)
-- -----------------------------------------------------------------------------
select ok(
  (select bool_and(has_function_privilege(r, f, 'execute'))
   from unnest(array['authenticated', 'service_role']) r,
        unnest(array['public.transition_mission(uuid, public.mission_status, text, text, uuid)',
                     'public.bulk_transition_missions(uuid[], public.mission_status, text)',
                     'public.add_mission_note(uuid, text, text, uuid)']) f),
  'authenticated and service_role may call the three mission functions');
select ok(
  (select not bool_or(has_function_privilege('anon', f, 'execute'))
   from unnest(array['public.transition_mission(uuid, public.mission_status, text, text, uuid)',
                     'public.bulk_transition_missions(uuid[], public.mission_status, text)',
                     'public.add_mission_note(uuid, text, text, uuid)']) f),
  'anon may not');
select ok(
  (select bool_and(p.prosecdef and p.proconfig = array['search_path=""'])
   from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where (n.nspname = 'public' and p.proname in ('transition_mission', 'bulk_transition_missions', 'add_mission_note'))
      or (n.nspname = 'private' and p.proname in ('apply_mission_transition', 'mission_for_caller', 'validate_mission_transition',
                                                 'guard_mission_columns', 'record_mission_status_change',
                                                 'idempotency_lookup', 'idempotency_store'))),
  'every security definer function pins search_path to empty');
select ok(
  not has_function_privilege('authenticated', 'private.apply_mission_transition(uuid, public.mission_status, text, uuid)', 'execute')
  and not has_function_privilege('authenticated', 'private.mission_for_caller(uuid)', 'execute'),
  'the internal helpers are not callable by the API roles');

-- -----------------------------------------------------------------------------
-- transition_mission. (23)
-- -----------------------------------------------------------------------------
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'published', 'api-key-0001')$q$) - 'updated_at',
  jsonb_build_object('mission_id', 'a0000000-0000-4000-8000-00000000f201', 'previous_status', 'new', 'status', 'published',
                     'changed', true, 'technician_id', null, 'started_at', null, 'blocked_at', null, 'blocked_reason', null,
                     'completed_at', null),
  'the dispatcher publishes a mission and gets its new state');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'assigned', 'api-key-0002',
                                        p_technician_id => 'a0000000-0000-4000-8000-000000000004')$q$) ->> 'technician_id',
  'a0000000-0000-4000-8000-000000000004', 'the dispatcher assigns it to Sophie');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'assigned', 'api-key-0003',
                                        p_technician_id => 'a0000000-0000-4000-8000-000000000004')$q$) - 'updated_at',
  jsonb_build_object('mission_id', 'a0000000-0000-4000-8000-00000000f201', 'previous_status', 'assigned', 'status', 'assigned',
                     'changed', false, 'technician_id', 'a0000000-0000-4000-8000-000000000004', 'started_at', null,
                     'blocked_at', null, 'blocked_reason', null, 'completed_at', null),
  'asking again for what is already there is a no-op (changed: false)');
select is(
  (select count(*)::int from public.mission_status_history where mission_id = 'a0000000-0000-4000-8000-00000000f201' and to_status = 'assigned'),
  1, '… that writes no history');
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'assigned', 'api-key-0004', p_technician_id => 'a0000000-0000-4000-8000-000000000003')$q$, 'P0001', 'Mission a0000000-0000-4000-8000-00000000f201 is already assigned to another technician', 'assigning an assigned mission to someone else is not a transition'),
  ('a0000000-0000-4000-8000-000000000003', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'assigned', 'api-key-0005')$q$, 'P0001', 'Mission a0000000-0000-4000-8000-00000000f201 is already assigned to another technician', 'a technician arriving second to accept is told it is taken'),
  ('a0000000-0000-4000-8000-000000000003', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'in_progress', 'api-key-0006')$q$, '42501', 'Technicians may only move missions assigned to them', 'Karim cannot start Sophie''s mission')
) t (u, s, e, m, d);
select ok(
  (select (r ->> 'status') = 'in_progress' and (r ->> 'started_at') is not null
   from tests.as_user('a0000000-0000-4000-8000-000000000004',
     $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'in_progress', 'api-key-0007')$q$) r),
  'Sophie starts it: started_at is set');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000003',
  $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'in_progress', 'api-key-0008')$q$,
  '42501', 'Technicians may only move missions assigned to them',
  'Karim gets no answer about Sophie''s mission, not even a no-op');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000004',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'blocked', 'api-key-0009', 'Pièce manquante')$q$) ->> 'blocked_reason',
  'Pièce manquante', 'Sophie blocks it with a reason');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'in_progress', 'api-key-0010', 'Pièce livrée sur site')$q$) ->> 'blocked_reason',
  null, 'the dispatcher unblocks it: the reason is cleared on the mission');
select results_eq(
  $$select to_status::text, reason from public.mission_status_history
    where mission_id = 'a0000000-0000-4000-8000-00000000f201' and from_status in ('in_progress', 'blocked') order by id$$,
  $$values ('blocked', 'Pièce manquante'), ('in_progress', 'Pièce livrée sur site')$$,
  'the history keeps why it was blocked and why it resumed');
select is(current_setting('terrain.transition_reason', true), '', 'the reason setting does not outlive the call');
select ok(
  (select (r ->> 'status') = 'done' and (r ->> 'completed_at') is not null
   from tests.as_user('a0000000-0000-4000-8000-000000000004',
     $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'done', 'api-key-0011')$q$) r),
  'Sophie finishes it: completed_at is set');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000005',
  $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f201', 'invoiced', 'api-key-0012')$q$,
  '42501', 'Only invoicing may move a mission from done to invoiced',
  'no user marks a mission invoiced through the API');

select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f202', 'published', 'api-key-0013', p_technician_id => 'a0000000-0000-4000-8000-000000000003')$q$, '22023', 'A technician is given only when assigning a mission', 'a technician with another move is a mistake'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f202', 'cancelled', 'api-key-0014', repeat('x', 2001))$q$, '22001', 'A reason is at most 2000 characters (got 2001)', 'a reason is at most 2000 characters'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.transition_mission(null, 'published', 'api-key-0015')$q$, '22004', 'A mission id is required', 'a mission id is required'),
  ('b0000000-0000-4000-8000-000000000001', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f202', 'published', 'api-key-0016')$q$, 'P0002', 'Mission a0000000-0000-4000-8000-00000000f202 not found', 'another organization''s owner: not found'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000ffff', 'published', 'api-key-0017')$q$, 'P0002', 'Mission a0000000-0000-4000-8000-00000000ffff not found', '… the same answer as for a mission that does not exist'),
  ('a0000000-0000-4000-8000-000000000006', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f202', 'published', 'api-key-0018')$q$, 'P0002', 'Mission a0000000-0000-4000-8000-00000000f202 not found', 'a portal user does not see another client''s mission'),
  ('a0000000-0000-4000-8000-000000000005', $q$select public.transition_mission('a0000000-0000-4000-8000-00000000f202', 'published', 'api-key-0019')$q$, '42501', 'Role accountant may not move a mission from new to published', 'an accountant moves no mission')
) t (u, s, e, m, d);
select is(
  tests.as_service($q$select public.transition_mission('a0000000-0000-4000-8000-00000000f202', 'published', 'api-key-0020')$q$)
    ->> 'status',
  'published', 'service_role (an edge function, no user) acts as the system');
select is(
  (select changed_by from public.mission_status_history where mission_id = 'a0000000-0000-4000-8000-00000000f202' order by id desc limit 1),
  null, '… and the history says so (no user)');

-- -----------------------------------------------------------------------------
-- add_mission_note. (12)
-- -----------------------------------------------------------------------------
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f202', 'Client prévenu par téléphone.', 'note-key-0001')$q$) ->> 'author_id',
  'a0000000-0000-4000-8000-000000000002', 'the dispatcher adds a note to any mission of the organization');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003',
    $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', 'Vase d''expansion regonflé à 1,5 bar.', 'note-key-0002',
                                      'a0000000-0000-4000-8000-00000000f2a1')$q$) ->> 'note_id',
  'a0000000-0000-4000-8000-00000000f2a1', 'Karim adds a note to his mission, with an id chosen offline');
select results_eq(
  $$select org_id, mission_id, author_id, body from public.mission_notes where id = 'a0000000-0000-4000-8000-00000000f2a1'$$,
  $$values ('a0000000-0000-4000-8000-0000000000a0'::uuid, 'a0000000-0000-4000-8000-00000000f203'::uuid,
            'a0000000-0000-4000-8000-000000000003'::uuid, 'Vase d''expansion regonflé à 1,5 bar.'::text)$$,
  'the note belongs to the mission''s organization and names its author');
select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000003'::uuid, $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', 'Doublon', 'note-key-0003', 'a0000000-0000-4000-8000-00000000f2a1')$q$, '23505', 'Note a0000000-0000-4000-8000-00000000f2a1 already exists', 'a note id is used once'),
  ('a0000000-0000-4000-8000-000000000004', $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', 'Je passe aussi', 'note-key-0004')$q$, '42501', 'Technicians may only add notes to missions assigned to them', 'Sophie cannot write on Karim''s mission'),
  ('a0000000-0000-4000-8000-000000000005', $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', 'Facturer', 'note-key-0005')$q$, '42501', 'Role accountant may not add notes to missions', 'an accountant writes no note'),
  ('a0000000-0000-4000-8000-000000000006', $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', 'Merci', 'note-key-0006')$q$, '42501', 'Role client may not add notes to missions', 'a portal user writes no note (client requests are for that)'),
  ('b0000000-0000-4000-8000-000000000002', $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', 'Bonjour', 'note-key-0007')$q$, 'P0002', 'Mission a0000000-0000-4000-8000-00000000f203 not found', 'another organization''s dispatcher: not found'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', '   ', 'note-key-0008')$q$, '23514', 'A note is 1 to 10000 characters', 'a blank note is refused'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.add_mission_note('a0000000-0000-4000-8000-00000000f203', repeat('é', 10001), 'note-key-0009')$q$, '23514', 'A note is 1 to 10000 characters', 'a note over 10000 characters is refused')
) t (u, s, e, m, d);
select lives_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000002',
    format('select public.add_mission_note(%L, %L, %L)', 'a0000000-0000-4000-8000-00000000f203', repeat('é', 10000), 'note-key-0010')),
  'a note of exactly 10000 characters is accepted');
select is((select count(*)::int from public.mission_notes where mission_id = 'a0000000-0000-4000-8000-00000000f203'),
  2, 'refused notes left nothing behind');

-- -----------------------------------------------------------------------------
-- bulk_transition_missions. (17)
-- -----------------------------------------------------------------------------
create temporary table bulk (name text primary key, result jsonb);
create function pg_temp.items(p_name text) returns table (id text, ok boolean, error text) language sql as $$
  select r ->> 'id', (r ->> 'ok')::boolean, r ->> 'error'
  from bulk b, jsonb_array_elements(b.result -> 'results') with ordinality as e (r, n)
  where b.name = p_name order by e.n
$$;

select tests.throws_as_user(u, s, e, m, d) from (values
  ('a0000000-0000-4000-8000-000000000002'::uuid, $q$select public.bulk_transition_missions(array(select gen_random_uuid() from generate_series(1, 101)), 'published')$q$, '22023', 'At most 100 missions per bulk transition (got 101)', 'more than 100 missions is refused whole'),
  ('a0000000-0000-4000-8000-000000000002', $q$select public.bulk_transition_missions(null, 'published')$q$, '22004', 'A list of mission ids is required', 'a list is required')
) t (u, s, e, m, d);
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002', $q$select public.bulk_transition_missions('{}', 'published')$q$),
  '{"results": [], "summary": {"failed": 0, "requested": 0, "succeeded": 0}}'::jsonb, 'an empty list does nothing');

-- 100 missions at once (the limit).
do $$ begin
  perform pg_temp.mission_at(('a0000000-0000-4000-8000-0000000f3' || lpad(n::text, 3, '0'))::uuid, 'new', 'Bulk ' || n)
  from generate_series(1, 100) as n;
end $$;
insert into bulk select 'hundred', tests.as_user('a0000000-0000-4000-8000-000000000002',
  format('select public.bulk_transition_missions(%L, %L)',
         array(select id from public.missions where title like 'Bulk %' order by title desc), 'published'));
select is((select result -> 'summary' from bulk where name = 'hundred'),
  '{"requested": 100, "succeeded": 100, "failed": 0}'::jsonb, '100 missions are published in one call');
select is((select count(*)::int from public.missions where title like 'Bulk %' and status = 'published'), 100, '… all of them');
select is(
  (select array_agg(id order by n) from (select r ->> 'id' as id, n from bulk, jsonb_array_elements(result -> 'results') with ordinality e (r, n)
                                          where name = 'hundred') x),
  (select array_agg(id::text order by title desc) from public.missions where title like 'Bulk %'),
  'results come back in the order given (missions are locked in id order)');

-- One bad item never blocks the others.
do $$ begin
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f211', 'new', 'Mixed — new 1');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f212', 'published', 'Mixed — already published');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f213', 'in_progress', 'Mixed — in progress');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f214', 'new', 'Mixed — new 2');
end $$;
insert into bulk select 'mixed', tests.as_user('a0000000-0000-4000-8000-000000000002',
  $q$select public.bulk_transition_missions(array[
       'a0000000-0000-4000-8000-00000000f211', 'a0000000-0000-4000-8000-00000000f212', 'a0000000-0000-4000-8000-00000000f213',
       'b0000000-0000-4000-8000-00000000f201', 'a0000000-0000-4000-8000-00000000eeee', 'a0000000-0000-4000-8000-00000000f214',
       'a0000000-0000-4000-8000-00000000f211']::uuid[], 'published')$q$);
select results_eq(
  $$select * from pg_temp.items('mixed')$$,
  $$values ('a0000000-0000-4000-8000-00000000f211', true, null::text),
           ('a0000000-0000-4000-8000-00000000f212', true, null),
           ('a0000000-0000-4000-8000-00000000f213', false, 'Invalid transition: in_progress → published'),
           ('b0000000-0000-4000-8000-00000000f201', false, 'Mission b0000000-0000-4000-8000-00000000f201 not found'),
           ('a0000000-0000-4000-8000-00000000eeee', false, 'Mission a0000000-0000-4000-8000-00000000eeee not found'),
           ('a0000000-0000-4000-8000-00000000f214', true, null),
           ('a0000000-0000-4000-8000-00000000f211', true, null)$$,
  'per item: moved, already there, invalid, other organization (not found, like a missing id), moved, repeated');
select is((select result -> 'summary' from bulk where name = 'mixed'),
  '{"requested": 7, "succeeded": 4, "failed": 3}'::jsonb, 'the summary counts them');
select is(
  (select jsonb_agg(r -> 'changed' order by n) from bulk, jsonb_array_elements(result -> 'results') with ordinality e (r, n)
   where name = 'mixed' and (r ->> 'ok')::boolean),
  '[true, false, true, false]'::jsonb, 'successful items say whether they changed anything');
select results_eq(
  $$select id::text, status::text from public.missions
    where id in ('a0000000-0000-4000-8000-00000000f211', 'a0000000-0000-4000-8000-00000000f212', 'a0000000-0000-4000-8000-00000000f213',
                 'a0000000-0000-4000-8000-00000000f214', 'b0000000-0000-4000-8000-00000000f201') order by id$$,
  $$values ('a0000000-0000-4000-8000-00000000f211', 'published'), ('a0000000-0000-4000-8000-00000000f212', 'published'),
           ('a0000000-0000-4000-8000-00000000f213', 'in_progress'), ('a0000000-0000-4000-8000-00000000f214', 'published'),
           ('b0000000-0000-4000-8000-00000000f201', 'new')$$,
  'the good items moved, the bad ones did not');
select is(
  (select count(*)::int from public.mission_status_history
   where mission_id in ('a0000000-0000-4000-8000-00000000f211', 'a0000000-0000-4000-8000-00000000f212', 'a0000000-0000-4000-8000-00000000f213',
                        'a0000000-0000-4000-8000-00000000f214', 'b0000000-0000-4000-8000-00000000f201') and changed_by is not null),
  2, 'history: one row for each real move, none for no-ops and refusals');

-- Roles and reasons per item.
insert into bulk select 'technician', tests.as_user('a0000000-0000-4000-8000-000000000003',
  $q$select public.bulk_transition_missions(array['a0000000-0000-4000-8000-00000000f202', 'a0000000-0000-4000-8000-00000000f214']::uuid[], 'cancelled')$q$);
select results_eq(
  $$select * from pg_temp.items('technician')$$,
  $$values ('a0000000-0000-4000-8000-00000000f202', false, 'Role technician may not move a mission from published to cancelled'),
           ('a0000000-0000-4000-8000-00000000f214', false, 'Role technician may not move a mission from published to cancelled')$$,
  'a technician cannot cancel: each item says why');
do $$ begin
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f221', 'in_progress', 'Block 1');
  perform pg_temp.mission_at('a0000000-0000-4000-8000-00000000f222', 'in_progress', 'Block 2', p_tech => 'a0000000-0000-4000-8000-000000000004');
end $$;
insert into bulk select 'block without reason', tests.as_user('a0000000-0000-4000-8000-000000000002',
  $q$select public.bulk_transition_missions(array['a0000000-0000-4000-8000-00000000f221', 'a0000000-0000-4000-8000-00000000f222']::uuid[], 'blocked')$q$);
select is(
  (select array_agg(distinct error) from pg_temp.items('block without reason')),
  array['A reason is required to move a mission from in_progress to blocked'], 'blocking in bulk needs a reason too');
insert into bulk select 'block', tests.as_user('a0000000-0000-4000-8000-000000000002',
  $q$select public.bulk_transition_missions(array['a0000000-0000-4000-8000-00000000f221', 'a0000000-0000-4000-8000-00000000f222']::uuid[], 'blocked',
                                            'Coupure de gaz sur le quartier (GRDF)')$q$);
select results_eq(
  $$select mission_id::text, reason, changed_by::text from public.mission_status_history
    where mission_id in ('a0000000-0000-4000-8000-00000000f221', 'a0000000-0000-4000-8000-00000000f222') and to_status = 'blocked' order by mission_id$$,
  $$values ('a0000000-0000-4000-8000-00000000f221', 'Coupure de gaz sur le quartier (GRDF)', 'a0000000-0000-4000-8000-000000000002'),
           ('a0000000-0000-4000-8000-00000000f222', 'Coupure de gaz sur le quartier (GRDF)', 'a0000000-0000-4000-8000-000000000002')$$,
  'the dispatcher blocks both with one reason, recorded on each');
insert into bulk select 'outsider', tests.as_user('b0000000-0000-4000-8000-000000000002',
  $q$select public.bulk_transition_missions(array['a0000000-0000-4000-8000-00000000f221', 'a0000000-0000-4000-8000-00000000f222']::uuid[], 'in_progress')$q$);
select is((select result -> 'summary' from bulk where name = 'outsider'),
  '{"requested": 2, "succeeded": 0, "failed": 2}'::jsonb, 'another organization''s dispatcher moves nothing');
select is(
  (select array_agg(error order by id) from pg_temp.items('outsider')),
  array['Mission a0000000-0000-4000-8000-00000000f221 not found', 'Mission a0000000-0000-4000-8000-00000000f222 not found'],
  '… and learns nothing: not found');

select * from finish();
rollback;
