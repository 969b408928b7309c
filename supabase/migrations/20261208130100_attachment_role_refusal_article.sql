-- The refusal of an attachment kind the caller's role may not upload reads as
-- English: "An accountant may not upload alert_sound attachments", "A client
-- may not upload document attachments". It said "A accountant" (and would
-- have said "A owner", "A admin"): the article now follows the role name's
-- first letter. All the roles (member_role) are spelt as they sound, so a
-- vowel letter is a vowel sound. The web app's French wording matches both
-- articles (web/src/i18n/apiErrors.ts). Only that expression of
-- create_attachment_upload changes (ops.replace_in_function).

select ops.replace_in_function(
  'public.create_attachment_upload(public.attachment_owner_type, uuid, text, bigint, uuid, text)',
  $old$pg_catalog.format('A %s may not upload %s attachments', v_role, p_owner_type)$old$,
  $new$pg_catalog.format('%s %s may not upload %s attachments',
        case when pg_catalog.left(v_role::text, 1) in ('a', 'e', 'i', 'o', 'u') then 'An' else 'A' end, v_role, p_owner_type)$new$);
