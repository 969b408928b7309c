-- The client portal sees the photos of an intervention once it is reported,
-- and no file of the office's own.
--
-- What a portal user may read of public.attachments (and so of the bucket's
-- objects: attachments_objects_select reads this table as the caller) was
-- "every row carrying their client", whatever its kind and whatever the
-- mission's state. Decided here, per kind (public.attachment_owner_type):
--
--   mission_photo   yes, once the mission is done or invoiced, and ready.
--                   Photos and the client's signature (a mission_photo named
--                   signature-client.png) are part of the intervention
--                   report the client receives when the mission is done
--                   (README.md "Email"); invoiced is done and billed. Before
--                   that the technician's photos are work in progress (a
--                   leak being searched, a part being ordered), and a
--                   cancelled mission has no report: the client sees none.
--                   A pending upload has no bytes yet: nothing to show.
--   document        yes, as before: the client's own contracts, certificates.
--   client_request  yes, as before: files the client joined to a request
--                   (pending ones too: the uploader finalizes through this
--                   policy, edge-functions/attachments).
--   expense         never: a receipt is the office's internal business (its
--                   rows carry no client, and the kind is left out here so
--                   that stays true should one ever carry it).
--   alert_sound     never: the dispatch board's own setting.
--
-- The kinds are a CASE, one arm per kind, so a kind added to the enum later
-- is hidden from the portal until someone decides otherwise here.
--
-- Staff and technician branches are unchanged. The mission's state is read
-- by its key (missions_org_id_id_key on org_id, id; the row's status is a
-- column of the row found), under the caller's own missions_select policy,
-- so the client branch can never show a photo of a mission the portal user
-- may not see. attachments.mission_id, client_id and owner_type are already
-- indexed (attachments_mission_id_idx, attachments_client_id_idx,
-- attachments_owner_idx).

drop policy attachments_select on public.attachments;

create policy attachments_select on public.attachments for select to authenticated using (
  (org_id = any ((select private.my_org_ids_as('{owner,admin,dispatcher,accountant}'::public.member_role[]))::uuid[]))
  or ((org_id = any ((select private.my_org_ids_as('{technician}'::public.member_role[]))::uuid[]))
      and (mission_id in (select private.my_assigned_mission_ids())))
  or ((org_id = any ((select private.my_org_ids_as('{client}'::public.member_role[]))::uuid[]))
      and (client_id = any ((select private.my_client_ids())::uuid[]))
      and (case owner_type
             when 'mission_photo' then
               status = 'ready'
               and exists (select from public.missions m
                           where m.org_id = attachments.org_id and m.id = attachments.mission_id
                             and m.status in ('done', 'invoiced'))
             when 'document' then true
             when 'client_request' then true
             else false
           end))
);

update private.permission_matrix
set note = 'Attachments of their client: the photos (and signature) of their missions once done or invoiced, their documents, the files of their requests; never expense receipts nor alert sounds.'
where table_name = 'public.attachments' and role = 'client' and operation = 'select';
