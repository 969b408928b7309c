-- =============================================================================
-- Pending invitations, sent again or revoked by an owner or admin of the
-- organization. Both act only on a pending invitation (the person has not
-- signed in yet): a member who has joined is managed in the members list
-- (change the role, remove), not as an invitation.
--
-- resend_invitation queues the invitation email again (a new dedupe key per
-- sending, so the queue does not fold it into the first one) at most once a
-- minute per invitation; the invite-member function then asks Supabase Auth
-- to send its sign-up link again. revoke_invitation removes the membership
-- (the guard trigger keeps the ownership rules: only an owner revokes an
-- owner's invitation), which removes the invitation with it; both are
-- audited as membership and invitation changes.
-- =============================================================================

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('invitation_not_pending', 409, '55000',
   'The person has already joined (signed in): the invitation can no longer be sent again or revoked. Change their role or remove them in the members list.');

-- The invitation email, one place for the first sending (the membership
-- trigger) and the next ones (resend_invitation): the organization, the role
-- in the member's language, and who invites (the signed-in caller).
create function private.queue_invitation_email(p_org_id uuid, p_user_id uuid, p_role public.member_role,
                                               p_membership_id uuid, p_dedupe_key text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lang text;
begin
  select coalesce(p.language, 'fr') into v_lang from public.profiles p where p.id = p_user_id;
  v_lang := coalesce(v_lang, 'fr');
  return private.create_notification(
    p_org_id, p_user_id, 'email', 'invitation', 'public.memberships', p_membership_id, p_dedupe_key,
    pg_catalog.jsonb_build_object(
      'organization', (select o.name from public.organizations o where o.id = p_org_id),
      'role', private.role_label(p_role, v_lang),
      'actor', coalesce((select nullif(pg_catalog.btrim(p.full_name), '') from public.profiles p where p.id = auth.uid()),
                        (select u.email::text from auth.users u where u.id = auth.uid()),
                        case v_lang when 'en' then 'An administrator' else 'Un administrateur' end)));
end;
$$;

comment on function private.queue_invitation_email(uuid, uuid, public.member_role, uuid, text) is 'Queues the invitation email of a membership (organization, role in the member''s language, the inviting caller) under the given dedupe key.';
revoke all on function private.queue_invitation_email(uuid, uuid, public.member_role, uuid, text) from public;

create or replace function private.notify_invitation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.is_invitation_of(new.user_id) then
    return null;
  end if;
  perform private.queue_invitation_email(new.org_id, new.user_id, new.role, new.id, 'invitation:' || new.id::text);
  return null;
end;
$$;

-- The pending invitation p_invitation_id, locked, for an owner or admin of its
-- organization; the same not_found for an unknown id and one the caller does
-- not manage, invitation_not_pending once the person has joined.
create function private.pending_invitation_for_update(p_invitation_id uuid)
returns public.member_invitations
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_invitation public.member_invitations;
begin
  if auth.uid() is null then
    perform private.raise_api_error('authentication_required', 'Sign in as an owner or admin of the organization to manage invitations');
  end if;
  perform private.assert_live_session();
  if p_invitation_id is null then
    perform private.raise_api_error('missing_parameter', 'An invitation id is required');
  end if;
  select i.* into v_invitation from public.member_invitations i where i.id = p_invitation_id for update;
  if not found or not private.has_role_in(v_invitation.org_id, '{owner,admin}') then
    perform private.raise_api_error('not_found', 'No invitation with that id in an organization you manage');
  end if;
  if v_invitation.accepted_at is not null then
    perform private.raise_api_error('invitation_not_pending',
      pg_catalog.format('%s has already joined the organization', v_invitation.email),
      null, 'Change their role or remove them in the members list.');
  end if;
  return v_invitation;
end;
$$;

comment on function private.pending_invitation_for_update(uuid) is 'The pending invitation with that id, locked, if the signed-in caller (live session) is an owner or admin of its organization; raises authentication_required, missing_parameter, not_found or invitation_not_pending otherwise.';
revoke all on function private.pending_invitation_for_update(uuid) from public;

create function public.resend_invitation(p_invitation_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_invitation public.member_invitations := private.pending_invitation_for_update(p_invitation_id);
  v_role public.member_role;
  v_wait integer;
begin
  -- One email a minute at most: a double click or an impatient admin does not
  -- flood the person's inbox (nor the email provider's quota).
  v_wait := pg_catalog.ceil(extract(epoch from v_invitation.last_sent_at + interval '1 minute' - pg_catalog.now()))::integer;
  if v_wait > 0 then
    perform private.raise_rate_limited(v_wait,
      pg_catalog.format('The invitation to %s was sent less than a minute ago', v_invitation.email));
  end if;

  select m.role into v_role from public.memberships m where m.id = v_invitation.membership_id;
  perform private.queue_invitation_email(v_invitation.org_id, v_invitation.user_id, v_role, v_invitation.membership_id,
    'invitation:' || v_invitation.membership_id::text || ':' || (v_invitation.send_count + 1)::text);

  update public.member_invitations i
     set last_sent_at = pg_catalog.now(), send_count = i.send_count + 1
   where i.id = v_invitation.id
  returning i.* into v_invitation;

  return pg_catalog.jsonb_build_object(
    'invitation_id', v_invitation.id, 'org_id', v_invitation.org_id, 'email', v_invitation.email,
    'send_count', v_invitation.send_count, 'last_sent_at', v_invitation.last_sent_at);
end;
$$;

comment on function public.resend_invitation(uuid) is 'RPC (owner, admin; live session): queues the invitation email of a pending invitation again, at most once a minute (rate_limited, 429, with Retry-After). invitation_not_pending (409) once the person has joined. The invite-member function calls it and then has Supabase Auth send its sign-up link again.';
revoke all on function public.resend_invitation(uuid) from public, anon;
grant execute on function public.resend_invitation(uuid) to authenticated, service_role;

create function public.revoke_invitation(p_invitation_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_invitation public.member_invitations := private.pending_invitation_for_update(p_invitation_id);
begin
  -- The guard trigger decides as for any removal (only an owner removes an
  -- owner); the invitation goes with the membership (foreign key cascade).
  delete from public.memberships m where m.id = v_invitation.membership_id and m.org_id = v_invitation.org_id;
  return pg_catalog.jsonb_build_object(
    'invitation_id', v_invitation.id, 'org_id', v_invitation.org_id, 'email', v_invitation.email);
end;
$$;

comment on function public.revoke_invitation(uuid) is 'RPC (owner, admin; live session): withdraws a pending invitation by removing its membership (only an owner revokes an owner''s invitation). invitation_not_pending (409) once the person has joined: remove the member instead.';
revoke all on function public.revoke_invitation(uuid) from public, anon;
grant execute on function public.revoke_invitation(uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.resend_invitation(uuid)',
   'Checks the caller itself (signed in, live session, owner or admin of the invitation''s organization, invitation pending) before queuing the email and updating the invitation, which API roles cannot write.'),
  ('authenticated_security_definer_function_executable', 'public.revoke_invitation(uuid)',
   'Checks the caller itself (signed in, live session, owner or admin of the invitation''s organization, invitation pending) before removing the membership; the guard trigger keeps the ownership rules.');
