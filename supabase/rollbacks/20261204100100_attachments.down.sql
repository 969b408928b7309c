-- Down file of supabase/migrations/20261204100100_attachments.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
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

-- objects it created, dependents first
drop table private.attachment_type_mimes;
drop table private.attachment_types;
drop function public.finalize_attachment(p_upload_id uuid, p_uploader uuid, p_sha256 text);
drop function public.create_attachment_upload(p_owner_type public.attachment_owner_type, p_owner_id uuid, p_mime text, p_size_bytes bigint, p_upload_id uuid, p_original_name text);
drop table public.attachments;
drop type public.attachment_owner_type;
