-- =============================================================================
-- Whether an invitation created the invited person's account. Inviting an
-- email without an account creates the account first (the invite-member
-- function, through Supabase Auth's admin invite, which records invited_at and
-- the organization in the account's user_metadata as invited_to_org), then the
-- membership. Revoking that invitation before the person ever signs in should
-- not leave a dormant account behind (the next migration reports when it can
-- go); an account the person had before, or one another organization's
-- invitation created, is not this invitation's to remove.
--
-- Recorded when the invitation is made, while the facts are fresh: the account
-- has never signed in, was invited by Auth, and was invited to this very
-- organization. user_metadata is writable by the account itself, but only
-- with a session, that is after a sign-in, which already rules it out.
-- =============================================================================

alter table public.member_invitations
  add column account_created boolean not null default false;

comment on column public.member_invitations.account_created is 'True when the invitation created the account (never signed in, invited by Supabase Auth to this organization): revoking the pending invitation may remove the account too (revoke_invitation reports when).';

create or replace function private.record_member_invitation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.is_invitation_of(new.user_id) then
    return null;
  end if;
  insert into public.member_invitations (org_id, membership_id, user_id, email, invited_by, accepted_at, account_created)
  select new.org_id, new.id, new.user_id, pg_catalog.lower(u.email), auth.uid(),
         case when u.last_sign_in_at is not null then pg_catalog.now() end,
         u.last_sign_in_at is null and u.invited_at is not null
           and coalesce(u.raw_user_meta_data ->> 'invited_to_org', '') = new.org_id::text
  from auth.users u
  where u.id = new.user_id;
  return null;
end;
$$;

-- Pending invitations made before this migration, by the same rule.
update public.member_invitations i
   set account_created = true
  from auth.users u
 where u.id = i.user_id
   and i.accepted_at is null
   and u.last_sign_in_at is null and u.invited_at is not null
   and coalesce(u.raw_user_meta_data ->> 'invited_to_org', '') = i.org_id::text;
