-- =============================================================================
-- Invitation email: when someone is added to an organization through the API
-- (a membership inserted with a signed-in user's token, or by the service
-- role acting for the product), the new member is told by email, in their
-- language, which organization and which role. Memberships written outside
-- the API (seed, psql, migrations) send nothing: whoever runs them tells
-- people themselves. Adding oneself (creating one's own organization) sends
-- nothing either.
-- =============================================================================

insert into public.notification_templates (type, language, title_template, body_template, critical) values
  ('invitation', 'fr', 'Vous avez rejoint {{organization}} sur Terrain',
   '{{actor}} vous a ajouté à {{organization}} en tant que {{role}}. Connectez-vous avec votre adresse email pour commencer.', false),
  ('invitation', 'en', 'You joined {{organization}} on Terrain',
   '{{actor}} added you to {{organization}} as {{role}}. Sign in with your email address to get started.', false);

create function private.notify_invitation() returns trigger
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

comment on function private.notify_invitation() is 'Trigger: emails a new member added through the API (a signed-in user or the service role) which organization and role they joined, in their language.';
revoke all on function private.notify_invitation() from public;

create trigger memberships_notify_invitation
after insert on public.memberships
for each row
execute function private.notify_invitation();
