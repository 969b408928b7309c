-- =============================================================================
-- Security alert: a member's role changed. The member is told (in-app and by
-- email, in their language), whoever made the change: a role decides what
-- someone may see and do, and a change they did not expect is the sign of a
-- compromised admin account. Critical: unsubscribing does not silence it.
-- =============================================================================

insert into public.notification_templates (type, language, title_template, body_template, critical) values
  ('role_changed', 'fr', 'Sécurité : votre rôle dans {{organization}} a changé',
   'Votre rôle dans {{organization}} est passé de {{old_role}} à {{new_role}} (par {{actor}}). Si ce changement vous surprend, prévenez le propriétaire de l''organisation.', true),
  ('role_changed', 'en', 'Security: your role in {{organization}} changed',
   'Your role in {{organization}} changed from {{old_role}} to {{new_role}} (by {{actor}}). If you did not expect this, tell the organization''s owner.', true);

-- A role for people, in a language.
create function private.role_label(p_role public.member_role, p_language text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_language
           when 'en' then case p_role when 'owner' then 'owner' when 'admin' then 'administrator' when 'dispatcher' then 'dispatcher'
                                      when 'technician' then 'technician' when 'accountant' then 'accountant' else 'client' end
           else case p_role when 'owner' then 'propriétaire' when 'admin' then 'administrateur' when 'dispatcher' then 'répartiteur'
                            when 'technician' then 'technicien' when 'accountant' then 'comptable' else 'client' end
         end
$$;

comment on function private.role_label(public.member_role, text) is 'The name of a member role for a reader of the language (fr, en).';
revoke all on function private.role_label(public.member_role, text) from public;

-- AFTER UPDATE OF role on memberships.
create function private.notify_role_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lang  text;
  v_params jsonb;
  v_channel text;
begin
  select coalesce(p.language, 'fr') into v_lang from public.profiles p where p.id = new.user_id;
  v_lang := coalesce(v_lang, 'fr');
  v_params := pg_catalog.jsonb_build_object(
    'organization', (select o.name from public.organizations o where o.id = new.org_id),
    'old_role', private.role_label(old.role, v_lang),
    'new_role', private.role_label(new.role, v_lang),
    'actor', coalesce((select u.email::text from auth.users u where u.id = auth.uid()),
                      case v_lang when 'en' then 'the system' else 'le système' end));
  foreach v_channel in array array['in_app', 'email'] loop
    perform private.create_notification(new.org_id, new.user_id, v_channel, 'security.role_changed', 'public.memberships', new.id,
                                        pg_catalog.format('role_changed:%s:%s:%s', new.id, pg_catalog.txid_current(), v_channel), v_params);
  end loop;
  return null;
end;
$$;

comment on function private.notify_role_changed() is 'Trigger: tells a member (in-app and email, critical) that their role changed, from what to what and by whom.';
revoke all on function private.notify_role_changed() from public;

create trigger memberships_notify_role_changed
after update of role on public.memberships
for each row
when (old.role is distinct from new.role)
execute function private.notify_role_changed();
