-- Down file of supabase/migrations/20261208120000_portal_reported_mission_photos.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).

drop policy attachments_select on public.attachments;

create policy attachments_select on public.attachments for select to authenticated using (
  (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]))::uuid[]))
  or ((org_id = any ((select private.my_org_ids_as('{technician}'::public.member_role[]))::uuid[]))
      and (mission_id in (select private.my_assigned_mission_ids())))
  or ((org_id = any ((select private.my_org_ids_as('{client}'::public.member_role[]))::uuid[]))
      and (client_id = any ((select private.my_client_ids())::uuid[])))
);

update private.permission_matrix
set note = 'Attachments of their client: photos of their missions, their documents and requests.'
where table_name = 'public.attachments' and role = 'client' and operation = 'select';
