-- The client portal and the files of its interventions: who reads which
-- attachment row (public.attachments) and which stored object
-- (storage.objects of the attachments bucket), as a permission matrix.
--
-- A portal user sees the photos (and the client's signature) of their own
-- client's missions once done or invoiced, their client's documents and
-- request files; never a photo of a mission still under way, a pending
-- upload, an expense receipt, nor anything of another client or organization.
--
-- Org A (Chaleur Express): admin …001, dispatcher …002, tech1 …003 (on the
-- missions below but 2007), tech2 …004, portal user …006 of client c1 (Syndic
-- Lumière); client c2 (Boulangerie) gets a portal user here. Org B: portal
-- user b…006 of its client (Hôtel des Quais).
-- Missions: c1 2009 done, 2007 invoiced (tech2), 2004 in progress; c2 2006
-- invoiced; org B b…2009 done.
begin;
select plan(22);

select tests.create_supabase_user('portal-boulangerie');
insert into public.memberships (org_id, user_id, role, client_id)
values ('a0000000-0000-4000-8000-0000000000a0', tests.get_supabase_uid('portal-boulangerie'), 'client',
        'a0000000-0000-4000-8000-0000000000c2');

-- One ready attachment (row + stored object) per case, named after the case;
-- a pending one has its row and no object, as before finalize.
create function pg_temp.attach(p_name text, p_org uuid, p_type public.attachment_owner_type, p_owner uuid,
                               p_mission uuid, p_client uuid, p_ready boolean default true)
returns void language plpgsql as $$
declare
  v_path text := format('%s/%s/%s/%s', p_org, p_type, p_owner, p_name);
begin
  insert into public.attachments (org_id, owner_type, owner_id, mission_id, client_id, uploader, bucket, object_path,
                                  mime, size_bytes, upload_id, original_name, status, sha256, finalized_at)
  values (p_org, p_type, p_owner, p_mission, p_client, 'a0000000-0000-4000-8000-000000000003', 'attachments', v_path,
          'image/jpeg', 10, gen_random_uuid(), p_name,
          case when p_ready then 'ready' else 'pending' end,
          case when p_ready then repeat('a', 64) end,
          case when p_ready then now() end);
  if p_ready then
    insert into storage.objects (bucket_id, name, metadata)
    values ('attachments', v_path, '{"size": 10, "mimetype": "image/jpeg"}');
  end if;
end $$;

-- The cases (org A unless said; c1 = Syndic Lumière, c2 = Boulangerie). The
-- expense receipt never carries a client in the app; this one is forced to,
-- to show the kind itself is what keeps it from the portal.
select pg_temp.attach(f.name, f.org, f.kind::public.attachment_owner_type, f.owner, f.mission, f.client, f.ready)
from (values
  ('done-photo.jpg',         'a0000000-0000-4000-8000-0000000000a0'::uuid, 'mission_photo', 'a0000000-0000-4000-8000-000000002009'::uuid, 'a0000000-0000-4000-8000-000000002009'::uuid, 'a0000000-0000-4000-8000-0000000000c1'::uuid, true),
  ('signature-client.png',   'a0000000-0000-4000-8000-0000000000a0', 'mission_photo', 'a0000000-0000-4000-8000-000000002007', 'a0000000-0000-4000-8000-000000002007', 'a0000000-0000-4000-8000-0000000000c1', true),
  ('in-progress-photo.jpg',  'a0000000-0000-4000-8000-0000000000a0', 'mission_photo', 'a0000000-0000-4000-8000-000000002004', 'a0000000-0000-4000-8000-000000002004', 'a0000000-0000-4000-8000-0000000000c1', true),
  ('done-pending.jpg',       'a0000000-0000-4000-8000-0000000000a0', 'mission_photo', 'a0000000-0000-4000-8000-000000002009', 'a0000000-0000-4000-8000-000000002009', 'a0000000-0000-4000-8000-0000000000c1', false),
  ('expense-receipt.jpg',    'a0000000-0000-4000-8000-0000000000a0', 'expense',       'a0000000-0000-4000-8000-000000003101', 'a0000000-0000-4000-8000-000000002009', 'a0000000-0000-4000-8000-0000000000c1', true),
  ('client-document.jpg',    'a0000000-0000-4000-8000-0000000000a0', 'document',      'a0000000-0000-4000-8000-0000000000c1', null,                                   'a0000000-0000-4000-8000-0000000000c1', true),
  ('other-client-photo.jpg', 'a0000000-0000-4000-8000-0000000000a0', 'mission_photo', 'a0000000-0000-4000-8000-000000002006', 'a0000000-0000-4000-8000-000000002006', 'a0000000-0000-4000-8000-0000000000c2', true),
  ('other-org-photo.jpg',    'b0000000-0000-4000-8000-0000000000b0', 'mission_photo', 'b0000000-0000-4000-8000-000000002009', 'b0000000-0000-4000-8000-000000002009', 'b0000000-0000-4000-8000-0000000000c1', true)
) f (name, org, kind, owner, mission, client, ready);

-- What a user reads, by case name: the rows, then the objects.
create function pg_temp.rows_seen(p_user uuid) returns text[] language sql as $$
  select tests.values_as_user(p_user, 'select original_name from public.attachments where object_path ~ ''/[a-z-]+\.(jpg|png)$''')
$$;
create function pg_temp.objects_seen(p_user uuid) returns text[] language sql as $$
  select tests.values_as_user(p_user, 'select storage.filename(name) from storage.objects where bucket_id = ''attachments'' and name ~ ''/[a-z-]+\.(jpg|png)$''')
$$;

-- -----------------------------------------------------------------------------
-- The matrix: who reads which rows (public.attachments) and which stored
-- objects (storage.objects, what storage-js download reads). An object shows
-- only for a ready row: the pending upload has none.
-- -----------------------------------------------------------------------------
create temp table matrix (who text, member uuid, rows_seen text[], objects_seen text[]) on commit drop;
insert into matrix values
  ('portal user of the client: the done and invoiced missions'' photo and signature, their document; not the mission in progress, the pending upload, the expense receipt',
   'a0000000-0000-4000-8000-000000000006',
   '{client-document.jpg,done-photo.jpg,signature-client.png}',
   '{client-document.jpg,done-photo.jpg,signature-client.png}'),
  ('portal user of another client of the organization: their own client''s invoiced mission only',
   tests.get_supabase_uid('portal-boulangerie'), '{other-client-photo.jpg}', '{other-client-photo.jpg}'),
  ('portal user of another organization: their own only',
   'b0000000-0000-4000-8000-000000000006', '{other-org-photo.jpg}', '{other-org-photo.jpg}'),
  ('technician: the files of the missions assigned to them, whatever the status (unchanged)',
   'a0000000-0000-4000-8000-000000000003',
   '{done-pending.jpg,done-photo.jpg,expense-receipt.jpg,in-progress-photo.jpg,other-client-photo.jpg}',
   '{done-photo.jpg,expense-receipt.jpg,in-progress-photo.jpg,other-client-photo.jpg}'),
  ('another technician: only the mission they did',
   'a0000000-0000-4000-8000-000000000004', '{signature-client.png}', '{signature-client.png}'),
  ('dispatcher: every file of the organization, none of the other',
   'a0000000-0000-4000-8000-000000000002',
   '{client-document.jpg,done-pending.jpg,done-photo.jpg,expense-receipt.jpg,in-progress-photo.jpg,other-client-photo.jpg,signature-client.png}',
   '{client-document.jpg,done-photo.jpg,expense-receipt.jpg,in-progress-photo.jpg,other-client-photo.jpg,signature-client.png}');

select is(pg_temp.rows_seen(member), rows_seen, 'rows, ' || who) from matrix order by who;
select is(pg_temp.objects_seen(member), objects_seen, 'objects, ' || who) from matrix order by who;
select throws_ok($$select tests.as_anon('select to_jsonb(count(*)) from public.attachments')$$,
  '42501', null, 'rows, anon: no access to the table at all');
select is(tests.count_as('anon', $$select from storage.objects where bucket_id = 'attachments'$$), 0::bigint,
  'objects, anon: none of the bucket');

-- -----------------------------------------------------------------------------
-- The mission's state decides, at the moment of reading
-- -----------------------------------------------------------------------------
-- The technician completes the mission in progress: its photo joins the report.
select lives_ok($$select tests.as_user('a0000000-0000-4000-8000-000000000003',
  'select to_jsonb(public.transition_mission(''a0000000-0000-4000-8000-000000002004'', ''done'', ''276-complete''))')$$,
  'the assigned technician completes the mission in progress');
select is(pg_temp.rows_seen('a0000000-0000-4000-8000-000000000006'),
  '{client-document.jpg,done-photo.jpg,in-progress-photo.jpg,signature-client.png}',
  'once done, its photo is the portal user''s to see');
select is(pg_temp.objects_seen('a0000000-0000-4000-8000-000000000006'),
  '{client-document.jpg,done-photo.jpg,in-progress-photo.jpg,signature-client.png}', 'and so is its object');

-- A pending upload of a done mission, finalized: then visible.
update public.attachments set status = 'ready', sha256 = repeat('b', 64), finalized_at = now()
where original_name = 'done-pending.jpg';
select ok('done-pending.jpg' = any (pg_temp.rows_seen('a0000000-0000-4000-8000-000000000006')),
  'a photo of a done mission shows once its upload is finalized');

-- The portal user's client membership is what counts: moved to the other
-- client, they see that client's files instead.
update public.memberships set client_id = 'a0000000-0000-4000-8000-0000000000c2'
where user_id = 'a0000000-0000-4000-8000-000000000006';
select is(pg_temp.rows_seen('a0000000-0000-4000-8000-000000000006'),
  '{other-client-photo.jpg}', 'a portal user moved to another client sees that client''s files only');

-- -----------------------------------------------------------------------------
-- The policy reads the mission by its key
-- -----------------------------------------------------------------------------
select ok(exists (select from pg_policies where schemaname = 'public' and tablename = 'attachments' and policyname = 'attachments_select'
                    and qual like '%m.org_id = attachments.org_id%m.id = attachments.mission_id%'),
  'attachments_select finds the mission by (org_id, id)');
select has_index('public', 'missions', 'missions_org_id_id_key', array['org_id', 'id'],
  'missions (org_id, id) is indexed: one index probe per attachment');
select has_index('public', 'attachments', 'attachments_client_id_idx', array['client_id'],
  'attachments.client_id, the portal branch''s filter, is indexed');

select * from finish();
rollback;
