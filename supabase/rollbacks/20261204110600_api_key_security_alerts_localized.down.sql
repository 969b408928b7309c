-- Down file of supabase/migrations/20261204110600_api_key_security_alerts_localized.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Drafted by `npm run db:rollback:draft` from what the migration did to the
-- catalog, then reviewed; scripts/db/rollback.test.ts proves it exact.

-- rows it wrote into tables that existed before it
update public.notification_templates t set ("body_template", "title_template") = (select o."body_template", o."title_template" from jsonb_populate_record(null::public.notification_templates, '{"type":"api_key_created","critical":true,"language":"fr","body_template":"Une clé API a été créée. {{body}}","title_template":"Sécurité : {{title}}"}') o) where t.type = 'api_key_created' and t.language = 'fr';
update public.notification_templates t set ("body_template", "title_template") = (select o."body_template", o."title_template" from jsonb_populate_record(null::public.notification_templates, '{"type":"api_key_created","critical":true,"language":"en","body_template":"An API key was created. {{body}}","title_template":"Security: {{title}}"}') o) where t.type = 'api_key_created' and t.language = 'en';
update public.notification_templates t set ("body_template", "title_template") = (select o."body_template", o."title_template" from jsonb_populate_record(null::public.notification_templates, '{"type":"api_key_revoked","critical":true,"language":"fr","body_template":"Une clé API a été révoquée. {{body}}","title_template":"Sécurité : {{title}}"}') o) where t.type = 'api_key_revoked' and t.language = 'fr';
update public.notification_templates t set ("body_template", "title_template") = (select o."body_template", o."title_template" from jsonb_populate_record(null::public.notification_templates, '{"type":"api_key_revoked","critical":true,"language":"en","body_template":"An API key was revoked. {{body}}","title_template":"Security: {{title}}"}') o) where t.type = 'api_key_revoked' and t.language = 'en';
update public.notification_templates t set ("body_template", "title_template") = (select o."body_template", o."title_template" from jsonb_populate_record(null::public.notification_templates, '{"type":"api_key_rotated","critical":true,"language":"fr","body_template":"Une clé API a été renouvelée. {{body}}","title_template":"Sécurité : {{title}}"}') o) where t.type = 'api_key_rotated' and t.language = 'fr';
update public.notification_templates t set ("body_template", "title_template") = (select o."body_template", o."title_template" from jsonb_populate_record(null::public.notification_templates, '{"type":"api_key_rotated","critical":true,"language":"en","body_template":"An API key was rotated. {{body}}","title_template":"Security: {{title}}"}') o) where t.type = 'api_key_rotated' and t.language = 'en';

-- definitions it replaced, as they were
CREATE OR REPLACE FUNCTION private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_actor text;
begin
  select coalesce(u.email::text, u.id::text) into v_actor from auth.users u where u.id = auth.uid();
  perform private.notify_roles(
    p_key.org_id,
    '{owner,admin}',
    'security.api_key_' || p_event,
    format('API key %s %s', p_key.prefix, p_event),
    format('API key "%s" (%s) %s by %s. %s', p_key.name, p_key.prefix, p_event, coalesce(v_actor, 'the system'), coalesce(p_detail, '')),
    'public.api_keys',
    p_key.id,
    format('api_key_%s:%s', p_event, p_key.id)
  );
end;
$function$;

