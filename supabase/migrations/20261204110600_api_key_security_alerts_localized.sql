-- =============================================================================
-- API-key security alerts in the reader's language.
--
-- The api_key_* templates wrapped an English ready-made text ("Sécurité : API
-- key trn_ab12 created"), so French readers got a mixed email. The alert now
-- passes the key's name, prefix and who acted as template params, and the
-- templates say the rest in each language. The English detail the callers
-- give (scopes and expiry, the successor key, the grace period) stays in the
-- English text; the French text names the key and the actor, which is what
-- the reader must check. Same recipients (owners and admins), channels and
-- dedupe keys as before.
-- =============================================================================

update public.notification_templates t
set title_template = v.title_template, body_template = v.body_template
from (values
  ('api_key_created', 'fr', 'Sécurité : clé API {{prefix}} créée',
   'La clé API « {{name}} » ({{prefix}}) a été créée par {{actor}}. Si vous ne l''attendiez pas, révoquez-la.'),
  ('api_key_created', 'en', 'Security: API key {{prefix}} created',
   'API key "{{name}}" ({{prefix}}) was created by {{actor}}. {{detail}} If you did not expect it, revoke it.'),
  ('api_key_revoked', 'fr', 'Sécurité : clé API {{prefix}} révoquée',
   'La clé API « {{name}} » ({{prefix}}) a été révoquée par {{actor}} : elle ne permet plus de s''authentifier.'),
  ('api_key_revoked', 'en', 'Security: API key {{prefix}} revoked',
   'API key "{{name}}" ({{prefix}}) was revoked by {{actor}}. {{detail}}'),
  ('api_key_rotated', 'fr', 'Sécurité : clé API {{prefix}} renouvelée',
   'La clé API « {{name}} » ({{prefix}}) a été renouvelée par {{actor}} ; l''ancienne clé reste valable pendant la période de transition.'),
  ('api_key_rotated', 'en', 'Security: API key {{prefix}} rotated',
   'API key "{{name}}" ({{prefix}}) was rotated by {{actor}}. {{detail}}')
) as v (type, language, title_template, body_template)
where t.type = v.type and t.language = v.language;

-- The security alert to the organization's owners and admins.
create or replace function private.notify_api_key_event(p_key public.api_keys, p_event text, p_detail text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor text;
begin
  select coalesce(u.email::text, u.id::text) into v_actor from auth.users u where u.id = auth.uid();
  perform private.notify_roles_with_params(
    p_key.org_id,
    '{owner,admin}',
    'security.api_key_' || p_event,
    'public.api_keys',
    p_key.id,
    pg_catalog.format('api_key_%s:%s', p_event, p_key.id),
    pg_catalog.jsonb_build_object(
      -- The ready text, for a type without a template.
      'title', pg_catalog.format('API key %s %s', p_key.prefix, p_event),
      'body', pg_catalog.format('API key "%s" (%s) %s by %s. %s', p_key.name, p_key.prefix, p_event, coalesce(v_actor, 'Terrain'), coalesce(p_detail, '')),
      'name', p_key.name,
      'prefix', p_key.prefix,
      'actor', coalesce(v_actor, 'Terrain'),
      'detail', coalesce(p_detail, '')));
end;
$$;
