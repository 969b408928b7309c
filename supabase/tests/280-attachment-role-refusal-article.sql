-- The refusal of an attachment kind a role may not upload reads as English:
-- "An" before a role name that starts with a vowel sound, "A" otherwise.
-- Org A: owner …001, dispatcher …002, accountant …005, portal client …006
-- (client c1). Alert sounds: owners and admins only; client documents: the
-- office roles, not the portal client.
begin;
select plan(4);

-- The UPLOAD limit counted below starts from zero for the demo users.
delete from private.rate_limit_overrides;
delete from private.rate_limit_buckets where bucket = 'UPLOAD';

create function pg_temp.upload(p_owner_type text, p_owner uuid, p_mime text) returns text language sql as $$
  select pg_catalog.format('select public.create_attachment_upload(%L, %L, %L, 10, gen_random_uuid(), %L)',
                           p_owner_type, p_owner, p_mime, 'file')
$$;

select tests.throws_as_user('a0000000-0000-4000-8000-000000000005',
  pg_temp.upload('alert_sound', 'a0000000-0000-4000-8000-0000000000a0', 'audio/mpeg'),
  '42501', 'An accountant may not upload alert_sound attachments',
  'accountant: "An" before a vowel');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000002',
  pg_temp.upload('alert_sound', 'a0000000-0000-4000-8000-0000000000a0', 'audio/mpeg'),
  '42501', 'A dispatcher may not upload alert_sound attachments',
  'dispatcher: "A" before a consonant');
select tests.throws_as_user('a0000000-0000-4000-8000-000000000006',
  pg_temp.upload('document', (select m.client_id from public.memberships m where m.user_id = 'a0000000-0000-4000-8000-000000000006'), 'application/pdf'),
  '42501', 'A client may not upload document attachments',
  'client: "A" before a consonant');
select is((select count(*) from public.attachments where original_name = 'file'), 0::bigint,
  'a refused upload registers nothing');

select * from finish();
rollback;
