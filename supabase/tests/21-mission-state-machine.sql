-- Mission state machine (invariant 1): the graph as data, every from × to pair,
-- every permitted move for every role, technicians on their own missions only,
-- lifecycle timestamps, history rows, and the columns the machine owns.
--
-- Direct UPDATEs are made as signed-in users through the real API role: a
-- temporary grant and policy (rolled back with this test) let `authenticated`
-- update missions, as the RLS issue may allow for some roles — the trigger must
-- hold whoever writes.
begin;
select plan(167);

-- -----------------------------------------------------------------------------
-- Helpers.
-- -----------------------------------------------------------------------------
-- Runs one statement as a signed-in user (authenticated + JWT claims), then
-- switches back; a raise inside throws_ok undoes the switch with its subtransaction.

-- A fresh org A mission brought to p_status by the system actor along the graph
-- (technician p_tech when it needs one).
create function pg_temp.mission_at(p_status public.mission_status, p_title text,
                                   p_tech uuid default 'a0000000-0000-4000-8000-000000000003')
returns uuid language plpgsql as $$
declare
  v_id uuid := gen_random_uuid();
  v_step public.mission_status;
begin
  insert into public.missions (id, org_id, client_id, site_id, title)
  values (v_id, 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
          'a0000000-0000-4000-8000-0000000000d1', p_title);
  foreach v_step in array case p_status
      when 'new'         then '{}'::public.mission_status[]
      when 'published'   then '{published}'
      when 'assigned'    then '{published,assigned}'
      when 'in_progress' then '{published,assigned,in_progress}'
      when 'blocked'     then '{published,assigned,in_progress,blocked}'
      when 'done'        then '{published,assigned,in_progress,done}'
      when 'invoiced'    then '{published,assigned,in_progress,done,invoiced}'
      when 'cancelled'   then '{cancelled}' end
  loop
    perform set_config('terrain.system_context', case when v_step = 'invoiced' then 'invoicing' else '' end, true);
    update public.missions
       set status = v_step,
           technician_id = case when v_step = 'assigned' then p_tech else technician_id end,
           blocked_reason = case when v_step = 'blocked' then 'Pièce manquante' else blocked_reason end
     where id = v_id;
  end loop;
  perform set_config('terrain.system_context', '', true);
  return v_id;
end $$;

-- The UPDATE that makes a move, with what the move needs (a technician named
-- by dispatch when assigning, a reason when blocking).
create function pg_temp.move_sql(p_id uuid, p_to public.mission_status, p_name_technician boolean default true)
returns text language sql as $$
  select format('update public.missions set status = %L%s%s where id = %L returning jsonb_build_object(''status'', status)',
    p_to,
    case when p_to = 'assigned' and p_name_technician then ', technician_id = ''a0000000-0000-4000-8000-000000000003''' else '' end,
    case when p_to = 'blocked' then ', blocked_reason = ''Pièce manquante''' else '' end,
    p_id)
$$;

-- An admin for org A (the demo data has an owner but no admin).
insert into auth.users (id, aud, role, email) values
  ('a0000000-0000-4000-8000-00000000ad01', 'authenticated', 'authenticated', 'admin.test@chaleur-express.test');
insert into public.memberships (org_id, user_id, role) values
  ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-00000000ad01', 'admin');

create temporary table actors (ord int, role public.member_role, user_id uuid);
insert into actors values
  (1, 'owner',      'a0000000-0000-4000-8000-000000000001'),
  (2, 'admin',      'a0000000-0000-4000-8000-00000000ad01'),
  (3, 'dispatcher', 'a0000000-0000-4000-8000-000000000002'),
  (4, 'technician', 'a0000000-0000-4000-8000-000000000003'),  -- the missions' technician
  (5, 'accountant', 'a0000000-0000-4000-8000-000000000005'),
  (6, 'client',     'a0000000-0000-4000-8000-000000000006');  -- portal user of the missions' client

-- What each attempted move should have left behind.
create temporary table expectations (mission_id uuid, expected public.mission_status, actor uuid, moved boolean);

grant select, insert, update on public.missions to authenticated;
create policy pgtap_all on public.missions for all to authenticated using (true) with check (true);

-- -----------------------------------------------------------------------------
-- The graph, as data. (6)
-- -----------------------------------------------------------------------------
select has_table('public', 'mission_valid_transitions', 'the state graph is a table');
select results_eq(
  $$select t.from_status::text, t.to_status::text, t.allowed_roles::text, t.requires_assignee, t.requires_reason, t.system_context
    from public.mission_valid_transitions t order by t.from_status, t.to_status$$,
  $$values
    ('new', 'published', '{owner,admin,dispatcher}', false, false, null::text),
    ('new', 'cancelled', '{owner,admin,dispatcher}', false, false, null),
    ('published', 'assigned', '{owner,admin,dispatcher,technician}', false, false, null),
    ('published', 'cancelled', '{owner,admin,dispatcher}', false, false, null),
    ('assigned', 'in_progress', '{technician}', true, false, null),
    ('in_progress', 'blocked', '{owner,admin,dispatcher,technician}', true, true, null),
    ('in_progress', 'done', '{owner,admin,technician}', true, false, null),
    ('blocked', 'in_progress', '{owner,admin,dispatcher,technician}', true, false, null),
    ('done', 'invoiced', '{}', false, false, 'invoicing')$$,
  'the graph: new→published→assigned→in_progress⇄blocked→done→invoiced, cancelled from new/published');
select ok((select bool_and(relrowsecurity) from pg_class
           where oid in ('public.mission_valid_transitions'::regclass, 'public.mission_notes'::regclass)),
  'RLS is enabled on mission_valid_transitions and mission_notes');
select is(
  (select array_agg(format('%s %s %s', table_name, grantee, privilege_type) order by table_name::text collate "C")
     from information_schema.role_table_grants
    where table_schema = 'public' and table_name in ('mission_valid_transitions', 'mission_notes')
      and grantee in ('anon', 'authenticated', 'PUBLIC')),
  array['mission_notes authenticated SELECT', 'mission_valid_transitions authenticated SELECT'],
  'signed-in users may only read them (notes are added through add_mission_note); anon has nothing');
select throws_ok(
  $$insert into public.mission_valid_transitions (from_status, to_status, allowed_roles, description) values ('done', 'new', '{}', 'x')$$,
  '23514', null, 'a move needs either roles or a system context');
select is(
  (select array_agg(tgname::text order by tgname) from pg_trigger where tgrelid = 'public.missions'::regclass and not tgisinternal
     and tgname like 'missions_%' and tgname in ('missions_guard_columns', 'missions_status_transition',
                                                 'missions_status_history_insert', 'missions_status_history_update')),
  array['missions_guard_columns', 'missions_status_history_insert', 'missions_status_history_update', 'missions_status_transition'],
  'missions carry the guard, the transition and the history triggers');

-- -----------------------------------------------------------------------------
-- The system actor. (5)
-- -----------------------------------------------------------------------------
-- Evaluates private.is_system_actor() under a role and claims, then switches back.
create function pg_temp.system_actor_as(p_role text, p_claims text) returns boolean language plpgsql as $$
declare v boolean;
begin
  perform set_config('request.jwt.claims', p_claims, true);
  perform set_config('role', p_role, true);
  v := private.is_system_actor();
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
  return v;
end $$;
select ok(private.is_system_actor(), 'postgres with no user is the system (maintenance, pg_cron, seeds)');
select is(pg_temp.system_actor_as('service_role', ''), true, 'service_role without a user is the system (edge functions)');
select is(pg_temp.system_actor_as('authenticated', ''), false, 'authenticated without a user is not the system');
select is(pg_temp.system_actor_as('authenticated', '{"sub": "a0000000-0000-4000-8000-000000000002", "role": "authenticated"}'),
  false, 'a signed-in user is not the system');
select is(pg_temp.system_actor_as('service_role', '{"sub": "a0000000-0000-4000-8000-000000000002", "role": "service_role"}'),
  false, 'a request carrying a user is that user, even with service_role');

-- -----------------------------------------------------------------------------
-- Creation: always `new`, recorded. (5)
-- -----------------------------------------------------------------------------
select throws_ok(
  $$insert into public.missions (org_id, client_id, site_id, title, status)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'x', 'done')$$,
  'P0001', 'A mission is created with status new, not done', 'a mission cannot be created done');
select throws_ok(
  $$insert into public.missions (org_id, client_id, site_id, title, started_at)
    values ('a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1', 'a0000000-0000-4000-8000-0000000000d1', 'x', now())$$,
  '23514', 'A new mission has no started_at, blocked_at, blocked_reason, completed_at or invoiced_at',
  'a mission cannot be created with lifecycle timestamps');
select lives_ok(
  $$select tests.as_user('a0000000-0000-4000-8000-000000000002',
    $q$insert into public.missions (id, org_id, client_id, site_id, title, created_by)
       values ('a0000000-0000-4000-8000-00000000f101', 'a0000000-0000-4000-8000-0000000000a0', 'a0000000-0000-4000-8000-0000000000c1',
               'a0000000-0000-4000-8000-0000000000d1', 'Créée par le dispatch', 'a0000000-0000-4000-8000-000000000001') returning '{}'::jsonb$q$)$$,
  'the dispatcher creates a mission');
select is((select created_by from public.missions where id = 'a0000000-0000-4000-8000-00000000f101'),
  'a0000000-0000-4000-8000-000000000002'::uuid, 'created_by is the signed-in creator, whatever was sent');
select results_eq(
  $$select from_status, to_status, changed_by from public.mission_status_history where mission_id = 'a0000000-0000-4000-8000-00000000f101'$$,
  $$values (null::public.mission_status, 'new'::public.mission_status, 'a0000000-0000-4000-8000-000000000002'::uuid)$$,
  'creation is the first history row (from nothing to new)');

-- -----------------------------------------------------------------------------
-- Every pair that is not in the graph is refused, with its exact message, by the
-- system (no role check involved) — 47 pairs — and changes nothing. (47 + 3)
-- -----------------------------------------------------------------------------
create function pg_temp.invalid_matrix() returns setof text language plpgsql as $$
declare
  f public.mission_status;
  t public.mission_status;
  v_id uuid;
begin
  foreach f in array enum_range(null::public.mission_status) loop
    foreach t in array enum_range(null::public.mission_status) loop
      continue when f = t or exists (select from public.mission_valid_transitions where from_status = f and to_status = t);
      v_id := pg_temp.mission_at(f, format('Invalid %s → %s', f, t));
      insert into expectations values (v_id, f, null, false);
      return next throws_ok(pg_temp.move_sql(v_id, t), 'P0001', format('Invalid transition: %s → %s', f, t),
                            format('%s → %s is an invalid transition', f, t));
    end loop;
  end loop;
end $$;
select * from pg_temp.invalid_matrix();
select is((select count(*)::int from expectations), 47, '47 pairs (of 56) are not in the graph');
select throws_ok(
  pg_temp.move_sql(pg_temp.mission_at('new', 'Invalid as owner'), 'done'),
  'P0001', 'Invalid transition: new → done', 'the exact message of docs/design.md');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         pg_temp.move_sql(pg_temp.mission_at('assigned', 'Invalid as technician'), 'done')),
  'P0001', 'Invalid transition: assigned → done', 'the graph is checked before the role: a technician skipping a step gets the same message');

-- -----------------------------------------------------------------------------
-- Every move of the graph × every role (9 × 6), then the system, technicians on
-- someone else's mission, a non-member, and the invoicing context. (54 + 9 + 4 + 1 + 2)
-- -----------------------------------------------------------------------------
create function pg_temp.role_matrix() returns setof text language plpgsql as $$
declare
  r record;
  a record;
  v_id uuid;
  v_sql text;
begin
  for r in select * from public.mission_valid_transitions order by from_status, to_status loop
    for a in select * from actors order by ord loop
      v_id := pg_temp.mission_at(r.from_status, format('Role %s %s → %s', a.role, r.from_status, r.to_status));
      -- A technician accepting names nobody: the mission becomes theirs.
      v_sql := format('select tests.as_user(%L, %L)', a.user_id, pg_temp.move_sql(v_id, r.to_status, a.role <> 'technician'));
      if r.system_context is not null then
        insert into expectations values (v_id, r.from_status, null, false);
        return next throws_ok(v_sql, '42501',
          format('Only %s may move a mission from %s to %s', r.system_context, r.from_status, r.to_status),
          format('%s cannot make %s → %s (invoicing only)', a.role, r.from_status, r.to_status));
      elsif a.role = any (r.allowed_roles) then
        insert into expectations values (v_id, r.to_status, a.user_id, true);
        return next lives_ok(v_sql, format('%s may make %s → %s', a.role, r.from_status, r.to_status));
      else
        insert into expectations values (v_id, r.from_status, null, false);
        return next throws_ok(v_sql, '42501',
          format('Role %s may not move a mission from %s to %s', a.role, r.from_status, r.to_status),
          format('%s may not make %s → %s', a.role, r.from_status, r.to_status));
      end if;
    end loop;

    -- The system actor: every move but the invoicing one.
    v_id := pg_temp.mission_at(r.from_status, format('System %s → %s', r.from_status, r.to_status));
    if r.system_context is not null then
      insert into expectations values (v_id, r.from_status, null, false);
      return next throws_ok(pg_temp.move_sql(v_id, r.to_status), '42501',
        format('Only %s may move a mission from %s to %s', r.system_context, r.from_status, r.to_status),
        format('even the system cannot make %s → %s outside invoicing', r.from_status, r.to_status));
    else
      insert into expectations values (v_id, r.to_status, null, true);
      return next lives_ok(pg_temp.move_sql(v_id, r.to_status), format('the system may make %s → %s', r.from_status, r.to_status));
    end if;

    -- Another technician (Sophie, …04) on Karim's mission.
    if r.requires_assignee then
      v_id := pg_temp.mission_at(r.from_status, format('Other technician %s → %s', r.from_status, r.to_status));
      insert into expectations values (v_id, r.from_status, null, false);
      return next throws_ok(
        format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000004', pg_temp.move_sql(v_id, r.to_status, false)),
        '42501', 'Technicians may only move missions assigned to them',
        format('a technician cannot make %s → %s on another technician''s mission', r.from_status, r.to_status));
    end if;
  end loop;
end $$;
select * from pg_temp.role_matrix();

create function pg_temp.expect(p_id uuid, p_expected public.mission_status, p_actor uuid, p_moved boolean) returns uuid
language sql as $$ insert into expectations values (p_id, p_expected, p_actor, p_moved) returning p_id $$;

select throws_ok(
  format('select tests.as_user(%L, %L)', 'b0000000-0000-4000-8000-000000000001',
         pg_temp.move_sql(pg_temp.expect(pg_temp.mission_at('new', 'Non-member'), 'new', null, false), 'published')),
  '42501', 'Not a member of the mission''s organization', 'another organization''s owner cannot move the mission');

-- The missions exist before the invoicing context is entered (mission_at leaves it).
do $$ begin
  perform pg_temp.expect(pg_temp.mission_at('done', 'Invoicing as system'), 'invoiced', null, true);
  perform pg_temp.expect(pg_temp.mission_at('done', 'Invoicing as accountant'), 'invoiced', 'a0000000-0000-4000-8000-000000000005', true);
end $$;
set local terrain.system_context = 'invoicing';
select lives_ok(
  pg_temp.move_sql((select id from public.missions where title = 'Invoicing as system'), 'invoiced'),
  'in the invoicing context the system makes done → invoiced');
select lives_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000005',
         pg_temp.move_sql((select id from public.missions where title = 'Invoicing as accountant'), 'invoiced')),
  'in the invoicing context the accountant''s invoicing run makes done → invoiced');
set local terrain.system_context = '';

-- Everything at once: allowed moves happened and were recorded by their actor;
-- refused ones left no trace. (3)
select is((select count(*)::int from expectations), 47 + 54 + 9 + 4 + 1 + 2, 'every attempted move is accounted for');
select is_empty(
  $$select e.mission_id, e.expected, m.status from expectations e join public.missions m on m.id = e.mission_id
    where m.status <> e.expected$$,
  'allowed moves reached their status; refused moves left the mission where it was');
select is_empty(
  $$select e.mission_id from expectations e
    cross join lateral (select h.to_status, h.changed_by from public.mission_status_history h
                        where h.mission_id = e.mission_id order by h.id desc limit 1) last
    where last.to_status <> e.expected or (e.moved and last.changed_by is distinct from e.actor)$$,
  'each allowed move wrote a history row naming its actor; refused moves wrote none');

-- -----------------------------------------------------------------------------
-- What a move needs. (7)
-- -----------------------------------------------------------------------------
select throws_ok(
  format($$update public.missions set status = 'blocked' where id = %L$$, pg_temp.mission_at('in_progress', 'Block without reason')),
  '23514', 'A reason is required to move a mission from in_progress to blocked', 'blocking needs a reason');
select throws_ok(
  format($$update public.missions set status = 'blocked', blocked_reason = '   ' where id = %L$$, pg_temp.mission_at('in_progress', 'Block blank reason')),
  '23514', 'A reason is required to move a mission from in_progress to blocked', 'a blank reason is no reason');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000002',
         pg_temp.move_sql(pg_temp.mission_at('published', 'Assign nobody'), 'assigned', false)),
  '23514', 'A technician is required to move a mission from published to assigned', 'dispatch must name a technician to assign');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000002',
         format($$update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000005' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('published', 'Assign accountant'))),
  '23514', 'User a0000000-0000-4000-8000-000000000005 is not a technician of this organization', 'only a technician can be assigned');

select is(
  tests.as_user('a0000000-0000-4000-8000-000000000004', format(
    $$update public.missions set status = 'assigned' where id = %L returning jsonb_build_object('technician_id', technician_id)$$,
    pg_temp.mission_at('published', 'Accept'))),
  '{"technician_id": "a0000000-0000-4000-8000-000000000004"}'::jsonb, 'a technician accepting becomes the mission''s technician');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         format($$update public.missions set status = 'assigned', technician_id = 'a0000000-0000-4000-8000-000000000004' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('published', 'Accept for another'))),
  '42501', 'Technicians may only accept a mission for themselves', 'a technician cannot accept a mission for someone else');
-- Published with Sophie named (offered to her): Karim cannot take it.
create function pg_temp.offered_to_sophie() returns uuid language plpgsql as $$
declare v_id uuid := pg_temp.mission_at('published', 'Offered to Sophie');
begin
  update public.missions set technician_id = 'a0000000-0000-4000-8000-000000000004' where id = v_id;
  return v_id;
end $$;
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         pg_temp.move_sql(pg_temp.offered_to_sophie(), 'assigned', false)),
  '42501', 'Technicians may only accept a mission for themselves', 'a technician cannot take a mission offered to another');

-- -----------------------------------------------------------------------------
-- Lifecycle timestamps and history along one mission's life. (11)
-- -----------------------------------------------------------------------------
do $$ begin perform pg_temp.mission_at('assigned', 'Life'); end $$;
create function pg_temp.life() returns public.missions language sql as $$
  select m.* from public.missions m where m.title = 'Life'
$$;
do $do$ begin perform tests.as_user('a0000000-0000-4000-8000-000000000003', pg_temp.move_sql((pg_temp.life()).id, 'in_progress')); end $do$;
select ok((select started_at = now() and blocked_at is null and completed_at is null from pg_temp.life()),
  'starting sets started_at');
-- Pretend the start was two hours ago (system correction) to see it kept on resume.
update public.missions set started_at = now() - interval '2 hours' where title = 'Life';
do $do$ begin perform tests.as_user('a0000000-0000-4000-8000-000000000003',
  format($$update public.missions set status = 'blocked', blocked_reason = 'Pas d''accès à la chaufferie' where id = %L returning '{}'::jsonb$$, (pg_temp.life()).id)); end $do$;
select ok((select blocked_at = now() and blocked_reason = 'Pas d''accès à la chaufferie' from pg_temp.life()),
  'blocking sets blocked_at and blocked_reason');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000003',
    format($$update public.missions set status = 'blocked' where id = %L returning jsonb_build_object('status', status)$$, (pg_temp.life()).id)),
  '{"status": "blocked"}'::jsonb, 'setting the status it already has is accepted');
select is((select count(*)::int from public.mission_status_history where mission_id = (pg_temp.life()).id and to_status = 'blocked'),
  1, '… and is a no-op: no history row');
do $do$ begin perform tests.as_user('a0000000-0000-4000-8000-000000000002', pg_temp.move_sql((pg_temp.life()).id, 'in_progress')); end $do$;
select ok((select blocked_at is null and blocked_reason is null and started_at = now() - interval '2 hours' from pg_temp.life()),
  'resuming clears blocked_at and blocked_reason and keeps the first start');
do $do$ begin perform tests.as_user('a0000000-0000-4000-8000-000000000003',
  format($$update public.missions set status = 'done', completed_at = '2020-01-01', invoiced_at = '2020-01-01', started_at = null
           where id = %L returning '{}'::jsonb$$, (pg_temp.life()).id)); end $do$;
select ok((select completed_at = now() and invoiced_at is null and started_at = now() - interval '2 hours' from pg_temp.life()),
  'finishing sets completed_at; lifecycle values sent with a move are ignored');
set local terrain.system_context = 'invoicing';
update public.missions set status = 'invoiced' where title = 'Life';
set local terrain.system_context = '';
select ok((select invoiced_at = now() from pg_temp.life()), 'invoicing sets invoiced_at');
select results_eq(
  $$select from_status::text, to_status::text, changed_by, reason from public.mission_status_history
    where mission_id = (pg_temp.life()).id order by id$$,
  $$values (null::text, 'new', null::uuid, null::text),
           ('new', 'published', null, null),
           ('published', 'assigned', null, null),
           ('assigned', 'in_progress', 'a0000000-0000-4000-8000-000000000003'::uuid, null),
           ('in_progress', 'blocked', 'a0000000-0000-4000-8000-000000000003', 'Pas d''accès à la chaufferie'),
           ('blocked', 'in_progress', 'a0000000-0000-4000-8000-000000000002', null),
           ('in_progress', 'done', 'a0000000-0000-4000-8000-000000000003', null),
           ('done', 'invoiced', null, null)$$,
  'the history tells the whole life: who, from, to, and why it was blocked');
select ok(
  (select bool_and(changed_at = now()) from public.mission_status_history where mission_id = (pg_temp.life()).id),
  'each history row is timestamped');
select throws_ok(
  format($$update public.missions set status = 'done' where id = %L$$, (pg_temp.life()).id),
  'P0001', 'Invalid transition: invoiced → done', 'invoiced is final');
select throws_ok(
  format($$update public.missions set status = 'published' where id = %L$$, pg_temp.mission_at('cancelled', 'Cancelled')),
  'P0001', 'Invalid transition: cancelled → published', 'cancelled is final');

-- -----------------------------------------------------------------------------
-- Columns the state machine owns; technicians change nothing but the status. (10)
-- -----------------------------------------------------------------------------
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000002',
         format($$update public.missions set started_at = now() - interval '1 day' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('in_progress', 'Backdate start'))),
  '42501', 'started_at, blocked_at, blocked_reason, completed_at and invoiced_at change only with the mission status',
  'the dispatcher cannot rewrite started_at');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000001',
         format($$update public.missions set blocked_at = now() - interval '1 hour' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('blocked', 'Move blocked_at'))),
  '42501', 'started_at, blocked_at, blocked_reason, completed_at and invoiced_at change only with the mission status',
  'the owner cannot rewrite blocked_at (the blocked-mission alert relies on it)');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000002',
         format($$update public.missions set blocked_reason = 'x' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('in_progress', 'Reason while working'))),
  '42501', 'started_at, blocked_at, blocked_reason, completed_at and invoiced_at change only with the mission status',
  'a mission that is not blocked gets no blocking reason');
select is(
  tests.as_user('a0000000-0000-4000-8000-000000000002',
    format($$update public.missions set blocked_reason = 'Pièce commandée, livraison demain' where id = %L returning jsonb_build_object('r', blocked_reason)$$,
           pg_temp.mission_at('blocked', 'Reword reason'))),
  '{"r": "Pièce commandée, livraison demain"}'::jsonb, 'dispatch may reword the reason of a blocked mission');
select lives_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000002',
         format($$update public.missions set title = 'Nouveau titre', priority = 'high', technician_id = 'a0000000-0000-4000-8000-000000000004'
                  where id = %L returning '{}'::jsonb$$, pg_temp.mission_at('assigned', 'Dispatch edits'))),
  'dispatch may edit and reassign a mission');
select lives_ok(
  format($$update public.missions set blocked_at = now() - interval '3 hours' where id = %L$$, pg_temp.mission_at('blocked', 'System fix')),
  'the system actor may correct lifecycle columns (data fixes, seeds)');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         format($$update public.missions set title = 'Renamed' where id = %L returning '{}'::jsonb$$, pg_temp.mission_at('in_progress', 'Tech rename'))),
  '42501', 'Technicians may only change a mission''s status', 'a technician cannot edit their mission''s title');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         format($$update public.missions set technician_id = 'a0000000-0000-4000-8000-000000000004' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('assigned', 'Tech hand over'))),
  '42501', 'Technicians may only change a mission''s status', 'a technician cannot hand their mission to someone else');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         format($$update public.missions set status = 'done', scheduled_end = now() + interval '1 hour' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('in_progress', 'Tech move and edit'))),
  '42501', 'Technicians may only change a mission''s status', 'a technician cannot slip another change into a move');
select throws_ok(
  format('select tests.as_user(%L, %L)', 'a0000000-0000-4000-8000-000000000003',
         format($$update public.missions set status = 'in_progress', technician_id = 'a0000000-0000-4000-8000-000000000004' where id = %L returning '{}'::jsonb$$,
                pg_temp.mission_at('assigned', 'Tech start and hand over'))),
  '42501', 'Technicians may only move missions assigned to them', 'a technician cannot start a mission and hand it over in one go');

select * from finish();
rollback;
