-- =============================================================================
-- public.transfer_ownership: the explicit, audited hand-over of an
-- organization from its owner (the caller) to another member.
--
-- One transaction: lock the organization row (the same lock the membership
-- guard takes, so a concurrent owner change waits), promote the new owner,
-- then demote the caller to p_keep_current_as (default admin). Promoting first
-- keeps the "at least one owner" rule true at every step. The membership
-- guard (previous migration) still applies to both updates: a technician
-- with open missions cannot be promoted away from them.
--
-- Audit: the two membership updates are written by the generic audit trigger
-- (field diffs, with this hand-over as their reason), plus one named row,
-- action 'ownership_transferred' on public.organizations, saying from whom to
-- whom. Needs a live session (private.assert_live_session).
-- =============================================================================

create function public.transfer_ownership(
  p_org_id          uuid,
  p_to_user_id      uuid,
  p_keep_current_as public.member_role default 'admin'
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_caller uuid := auth.uid();
  v_target public.memberships%rowtype;
  v_reason text;
begin
  if v_caller is null then
    raise exception 'Sign in as an owner of the organization to transfer its ownership' using errcode = '42501';
  end if;
  perform private.assert_live_session();
  if p_org_id is null or p_to_user_id is null then
    raise exception 'An organization and a new owner are required' using errcode = '22023';
  end if;
  if p_keep_current_as is null or p_keep_current_as in ('owner', 'client') then
    raise exception 'The previous owner stays as admin, dispatcher, technician or accountant (got %)',
                    coalesce(p_keep_current_as::text, 'null')
      using errcode = '22023';
  end if;

  -- Same answer for an unknown organization and one the caller does not own.
  -- Checked before locking: strangers never take the organization's lock.
  if not private.has_role_in(p_org_id, '{owner}') then
    raise exception 'Only an owner of the organization can transfer its ownership' using errcode = '42501';
  end if;
  perform from public.organizations o where o.id = p_org_id for no key update;
  -- A concurrent transfer may have committed while we waited: check again.
  if not private.has_role_in(p_org_id, '{owner}') then
    raise exception 'Only an owner of the organization can transfer its ownership' using errcode = '42501';
  end if;
  if p_to_user_id = v_caller then
    raise exception 'You already own this organization: name another member as the new owner' using errcode = '22023';
  end if;

  select m.* into v_target from public.memberships m where m.org_id = p_org_id and m.user_id = p_to_user_id;
  if not found then
    raise exception 'User % is not a member of this organization', p_to_user_id
      using errcode = 'P0002', hint = 'Invite them first; ownership goes to an existing member.';
  end if;
  if v_target.role = 'client' then
    raise exception 'A client-portal user cannot own the organization' using errcode = '23514';
  end if;

  v_reason := pg_catalog.format('ownership_transferred: %s to %s; previous owner stays %s', v_caller, p_to_user_id, p_keep_current_as);
  perform private.set_audit_reason(v_reason);
  update public.memberships m set role = 'owner' where m.id = v_target.id and m.role <> 'owner';
  update public.memberships m set role = p_keep_current_as where m.org_id = p_org_id and m.user_id = v_caller;
  perform private.set_audit_reason(null);

  perform audit.append(
    p_org_id, 'ownership_transferred', 'public.organizations', p_org_id::text,
    pg_catalog.jsonb_build_object(
      'owner', pg_catalog.jsonb_build_object('old', v_caller, 'new', p_to_user_id),
      'previous_owner_role', p_keep_current_as,
      'new_owner_previous_role', v_target.role),
    v_reason);

  return pg_catalog.jsonb_build_object(
    'org_id', p_org_id, 'owner', p_to_user_id, 'previous_owner', v_caller,
    'previous_owner_role', p_keep_current_as, 'new_owner_previous_role', v_target.role);
end;
$$;
comment on function public.transfer_ownership(uuid, uuid, public.member_role) is
  'RPC (owner, live session): makes another member (not a client-portal user) owner and the caller p_keep_current_as '
  '(admin by default; not owner nor client). Audited as ownership_transferred, plus the two membership diffs.';
revoke all on function public.transfer_ownership(uuid, uuid, public.member_role) from public, anon;
grant execute on function public.transfer_ownership(uuid, uuid, public.member_role) to authenticated;

comment on column audit.log.action is
  'insert | update | delete, or a named action: status_change, approval, invoice_issued, invoice_sent, '
  'lock_override, api_key_created, api_key_revoked, audit_export, ownership_transferred, push_subscription_moved.';
