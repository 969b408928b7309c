-- =============================================================================
-- Member invitations: who was invited, by whom and when, and whether they
-- have joined. Inviting someone (add_member, through the invite-member
-- function) creates their membership at once; until they first sign in it is
-- a pending invitation that owners and admins see apart from the members,
-- can send again and can revoke (the next migration).
--
-- One row per membership added through the API by someone else (a signed-in
-- owner/admin, or the service role acting for the product), recorded by a
-- trigger on memberships so every way in is covered, as for the invitation
-- email. It is accepted when the account first signs in (a trigger on
-- auth.users, which Supabase Auth updates on every sign-in); an account that
-- has signed in before is a member at once, so its invitation is accepted
-- when made. Removing the membership removes the invitation with it.
-- =============================================================================

create table public.member_invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  membership_id uuid not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  email text not null check (pg_catalog.length(email) between 3 and 320),
  invited_by uuid references auth.users (id) on delete set null,
  invited_at timestamptz not null default now(),
  last_sent_at timestamptz not null default now(),
  send_count integer not null default 1 check (send_count >= 1),
  accepted_at timestamptz,
  -- Follows the membership (same organization): revoking or removing it ends the invitation.
  constraint member_invitations_membership_fkey foreign key (org_id, membership_id)
    references public.memberships (org_id, id) on delete cascade,
  constraint member_invitations_one_per_membership unique (org_id, membership_id)
);

comment on table public.member_invitations is 'Invitations to join an organization (one per membership added through the API by someone else): who invited whom and when, how often the email was sent, and when the person first signed in (accepted_at; null = pending). Read by owners and admins; written only by triggers and the resend_invitation / revoke_invitation RPCs.';
comment on column public.member_invitations.email is 'The invited address, as the account had it when invited.';
comment on column public.member_invitations.accepted_at is 'First sign-in after the invitation (set by a trigger on auth.users), or the invitation time for an account already in use. Null: pending.';

-- The sign-in trigger looks invitations up by account; auth.users deletions cascade through it.
create index member_invitations_user_id_idx on public.member_invitations (user_id);
-- auth.users deletions set invited_by to null: index the foreign key.
create index member_invitations_invited_by_idx on public.member_invitations (invited_by) where invited_by is not null;

alter table public.member_invitations enable row level security;

-- Owners and admins manage members, so they see the invitations (the policy
-- filters on org_id: the unique key (org_id, membership_id) leads with it).
create policy member_invitations_select on public.member_invitations
  for select to authenticated
  using (org_id = any ((select private.my_org_ids_as('{owner,admin}'))::uuid[]));

revoke all on table public.member_invitations from public, anon, authenticated;
grant select on table public.member_invitations to authenticated;
grant select on table public.member_invitations to service_role;

select audit.enable_for('public.member_invitations');

insert into private.permission_matrix (table_name, role, operation, scope, note) values
  ('public.member_invitations', 'owner', 'select', 'org', 'Who was invited, by whom, when; pending until the person first signs in. Sent again and revoked through resend_invitation / revoke_invitation.'),
  ('public.member_invitations', 'admin', 'select', 'org', 'Who was invited, by whom, when; pending until the person first signs in. Sent again and revoked through resend_invitation / revoke_invitation.');

-- Whether a membership of p_user_id being written now is an invitation: it
-- comes through the API (a signed-in user, or the service role acting for the
-- product) from someone other than p_user_id. Memberships written outside the
-- API (seed, psql, migrations) and adding oneself (creating one's own
-- organization) are no invitation. The invitation record and the invitation
-- email share this rule.
create function private.is_invitation_of(p_user_id uuid) returns boolean
language sql
stable
set search_path = ''
as $$
  select (auth.uid() is not null or coalesce(auth.role(), '') = 'service_role')
     and auth.uid() is distinct from p_user_id
$$;

comment on function private.is_invitation_of(uuid) is 'True when a membership of p_user_id written now is an invitation: through the API (signed-in user or service role) by someone else.';
revoke all on function private.is_invitation_of(uuid) from public;

create function private.record_member_invitation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.is_invitation_of(new.user_id) then
    return null;
  end if;
  insert into public.member_invitations (org_id, membership_id, user_id, email, invited_by, accepted_at)
  select new.org_id, new.id, new.user_id, pg_catalog.lower(u.email), auth.uid(),
         case when u.last_sign_in_at is not null then pg_catalog.now() end
  from auth.users u
  where u.id = new.user_id;
  return null;
end;
$$;

comment on function private.record_member_invitation() is 'Trigger: records the invitation of a member added through the API by someone else (pending until their account first signs in; accepted at once for an account already in use).';
revoke all on function private.record_member_invitation() from public;

create trigger memberships_record_invitation
after insert on public.memberships
for each row
execute function private.record_member_invitation();

-- Runs as the table owner: the auth server updating auth.users has no
-- privilege on public.member_invitations, and must not need one.
create function private.accept_member_invitations() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.member_invitations i
     set accepted_at = new.last_sign_in_at
   where i.user_id = new.id and i.accepted_at is null;
  return null;
end;
$$;

comment on function private.accept_member_invitations() is 'Trigger on auth.users: the first sign-in of an invited account accepts its pending invitations.';
revoke all on function private.accept_member_invitations() from public;

create trigger on_auth_user_signed_in_accept_invitations
after update of last_sign_in_at on auth.users
for each row
when (new.last_sign_in_at is not null and old.last_sign_in_at is distinct from new.last_sign_in_at)
execute function private.accept_member_invitations();
