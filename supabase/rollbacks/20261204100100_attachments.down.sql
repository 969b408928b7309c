-- DRAFT down file of 20261204100100_attachments.sql

-- rows the migration wrote into tables that existed before it (triggers off: configuration, not business events)
set local session_replication_role = replica;
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'owner' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'admin' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'dispatcher' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'accountant' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'technician' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'client' and operation = 'select';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'owner' and operation = 'delete';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'admin' and operation = 'delete';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'dispatcher' and operation = 'delete';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'technician' and operation = 'delete';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'accountant' and operation = 'delete';
delete from private.permission_matrix where table_name = 'public.attachments' and role = 'client' and operation = 'delete';
delete from ops.lint_allowlist where rule = 'authenticated_security_definer_function_executable' and object = 'public.create_attachment_upload(public.attachment_owner_type,uuid,text,bigint,uuid,text)';
set local session_replication_role = origin;

-- objects it created, newest first
drop function public.finalize_attachment(p_upload_id uuid, p_uploader uuid, p_sha256 text) cascade;
drop function public.create_attachment_upload(p_owner_type public.attachment_owner_type, p_owner_id uuid, p_mime text, p_size_bytes bigint, p_upload_id uuid, p_original_name text) cascade;
drop table public.attachments cascade;
drop table private.attachment_type_mimes cascade;
drop table private.attachment_types cascade;
drop type public.attachment_owner_type cascade;
