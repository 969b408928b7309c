-- Down file of supabase/migrations/20261207160000_invitation_created_account.sql: returns the database to the
-- state before that migration (docs/conventions.md § Reversible migrations).
-- Written by hand: the invitation trigger function as it was, then the column.

create or replace function private.record_member_invitation() returns trigger
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

alter table public.member_invitations drop column account_created;
