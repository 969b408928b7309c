-- Down file of supabase/migrations/20261208130100_attachment_role_refusal_article.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations): the migration's replacement undone.

select ops.replace_in_function(
  'public.create_attachment_upload(public.attachment_owner_type, uuid, text, bigint, uuid, text)',
  $new$pg_catalog.format('%s %s may not upload %s attachments',
        case when pg_catalog.left(v_role::text, 1) in ('a', 'e', 'i', 'o', 'u') then 'An' else 'A' end, v_role, p_owner_type)$new$,
  $old$pg_catalog.format('A %s may not upload %s attachments', v_role, p_owner_type)$old$);
