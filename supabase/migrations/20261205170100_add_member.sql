-- =============================================================================
-- Adding a member by email. API roles cannot insert memberships directly;
-- add_member is the one way in for owners and admins: it checks the caller's
-- right, the role and the portal client, finds the account by email and
-- inserts the membership (the guard trigger and the invitation email trigger
-- then run as for any membership written through the API).
--
-- An email without an account answers account_not_found, after every other
-- check: the invite-member edge function then creates the account through
-- Supabase Auth's admin invite and calls add_member again, as the caller. So
-- nobody creates an account without the right to add it to the organization.
-- =============================================================================

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('account_not_found', 404, 'P0002',
   'No account uses that email address yet: the invite-member function creates it (Supabase Auth invite) and adds the membership.'),
  ('already_member', 409, '23505',
   'That person is already a member of the organization: change their role instead.');

create function public.add_member(p_org_id uuid, p_email text, p_role public.member_role, p_client_id uuid default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text := pg_catalog.lower(pg_catalog.btrim(p_email));
  v_user_id uuid;
  v_existing public.member_role;
  v_membership public.memberships%rowtype;
begin
  if auth.uid() is null then
    perform private.raise_api_error('authentication_required', 'Sign in as an owner or admin of the organization to add members');
  end if;
  perform private.assert_live_session();
  if p_org_id is null or v_email is null or v_email = '' or p_role is null then
    perform private.raise_api_error('missing_parameter', 'An organization, an email address and a role are required');
  end if;
  -- Same answer for an unknown organization and one the caller does not manage.
  if not private.has_role_in(p_org_id, '{owner,admin}') then
    perform private.raise_api_error('forbidden_role', 'Only an owner or admin of the organization can add members');
  end if;
  -- The guard trigger refuses this too; asked here first so that no account
  -- is created for an invitation that cannot succeed.
  if p_role = 'owner' and not private.has_role_in(p_org_id, '{owner}') then
    perform private.raise_api_error('forbidden_role',
      'Only an owner can grant or remove the owner role, or change an owner''s membership',
      null, 'Admins manage every other role. An owner hands over ownership with transfer_ownership.');
  end if;
  if v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' or pg_catalog.length(v_email) > 320 then
    perform private.raise_api_error('invalid_parameter', pg_catalog.format('%s is not an email address', p_email));
  end if;
  if (p_role = 'client') <> (p_client_id is not null) then
    perform private.raise_api_error('validation_failed',
      'A client-portal member needs a client, and only client-portal members have one');
  end if;
  if p_client_id is not null
     and not exists (select from public.clients c where c.id = p_client_id and c.org_id = p_org_id) then
    perform private.raise_api_error('unknown_reference', 'That client does not belong to this organization');
  end if;

  select u.id into v_user_id
  from auth.users u
  where pg_catalog.lower(u.email) = v_email and not u.is_sso_user and u.deleted_at is null;
  if v_user_id is null then
    perform private.raise_api_error('account_not_found', pg_catalog.format('No account uses %s yet', v_email),
      null, 'The invite-member function creates the account and adds the membership.');
  end if;

  select m.role into v_existing from public.memberships m where m.org_id = p_org_id and m.user_id = v_user_id;
  if found then
    perform private.raise_api_error('already_member',
      pg_catalog.format('%s is already a member of this organization (%s)', v_email, v_existing),
      null, 'Change their role instead.');
  end if;

  insert into public.memberships (org_id, user_id, role, client_id)
  values (p_org_id, v_user_id, p_role, p_client_id)
  returning * into v_membership;

  return pg_catalog.jsonb_build_object(
    'membership_id', v_membership.id, 'user_id', v_user_id, 'email', v_email,
    'role', v_membership.role, 'client_id', v_membership.client_id);
end;
$$;

comment on function public.add_member(p_org_id uuid, p_email text, p_role public.member_role, p_client_id uuid) is 'RPC (owner, admin; live session): adds the account of p_email to the organization in p_role (client-portal members name their client). Only owners add owners. account_not_found (404) when no account uses the email: invite-member creates it. The membership triggers audit it and queue the invitation email.';
revoke all on function public.add_member(uuid, text, public.member_role, uuid) from public, anon;
grant execute on function public.add_member(uuid, text, public.member_role, uuid) to authenticated, service_role;

insert into ops.lint_allowlist (rule, object, reason) values
  ('authenticated_security_definer_function_executable', 'public.add_member(uuid,text,public.member_role,uuid)',
   'Checks the caller itself (signed in, live session, owner or admin of the organization; owner to add an owner) before reading auth.users; definer to find the account by email and insert the membership, which API roles cannot insert.');
