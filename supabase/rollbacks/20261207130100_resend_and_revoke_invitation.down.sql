-- Down file of supabase/migrations/20261207130100_resend_and_revoke_invitation.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: the lint allowlist entries, the RPCs and their helper, the
-- invitation trigger function as it was (its email built inline), the shared
-- email helper, then the catalogue code.

delete from ops.lint_allowlist
 where object in ('public.resend_invitation(uuid)', 'public.revoke_invitation(uuid)');
drop function public.revoke_invitation(uuid);
drop function public.resend_invitation(uuid);
drop function private.pending_invitation_for_update(uuid);

create or replace function private.notify_invitation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lang text;
begin
  if (auth.uid() is null and coalesce(auth.role(), '') <> 'service_role') or auth.uid() = new.user_id then
    return null;
  end if;
  select coalesce(p.language, 'fr') into v_lang from public.profiles p where p.id = new.user_id;
  v_lang := coalesce(v_lang, 'fr');
  perform private.create_notification(
    new.org_id, new.user_id, 'email', 'invitation', 'public.memberships', new.id, 'invitation:' || new.id::text,
    pg_catalog.jsonb_build_object(
      'organization', (select o.name from public.organizations o where o.id = new.org_id),
      'role', private.role_label(new.role, v_lang),
      'actor', coalesce((select nullif(pg_catalog.btrim(p.full_name), '') from public.profiles p where p.id = auth.uid()),
                        (select u.email::text from auth.users u where u.id = auth.uid()),
                        case v_lang when 'en' then 'An administrator' else 'Un administrateur' end)));
  return null;
end;
$$;

drop function private.queue_invitation_email(uuid, uuid, public.member_role, uuid, text);
delete from private.api_errors where code = 'invitation_not_pending';
