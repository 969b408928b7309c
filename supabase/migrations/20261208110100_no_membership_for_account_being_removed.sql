-- =============================================================================
-- An account queued for removal (private.invited_account_removals: banned by
-- revoke_invitation, about to be deleted through Supabase Auth) gets no new
-- membership. Otherwise an invitation made in between would add a member
-- who can never sign in (banned), and whose membership the deletion then
-- takes away (foreign key cascade). Once the account is deleted, the address
-- is invited afresh: add_member answers account_not_found and invite-member
-- creates a new account.
--
-- A rule on the table, so it holds for add_member and for any other writer.
-- The account row is locked for share first: revoke_invitation holds it for
-- no key update while it bans and queues, so a membership written at the
-- same moment waits for the revoke and then sees its queue row.
-- =============================================================================

insert into private.api_errors (code, http_status, sqlstate, description) values
  ('account_being_removed', 409, '55000',
   'The account of that address is being removed after its invitation was revoked: invite the address again in a few minutes (invite-member deletes it at once, or its sweep within five minutes).');

create function private.refuse_membership_of_account_being_removed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text;
begin
  perform from auth.users u where u.id = new.user_id for share of u;
  select r.email into v_email from private.invited_account_removals r where r.user_id = new.user_id;
  if found then
    perform private.raise_api_error('account_being_removed',
      pg_catalog.format('The account of %s is being removed after a revoked invitation: invite this address again in a few minutes', v_email));
  end if;
  return new;
end;
$$;

comment on function private.refuse_membership_of_account_being_removed() is 'Trigger: refuses a membership for an account queued for removal after a revoked invitation (account_being_removed, 409).';
revoke all on function private.refuse_membership_of_account_being_removed() from public;

create trigger memberships_refuse_account_being_removed
before insert on public.memberships
for each row
execute function private.refuse_membership_of_account_being_removed();
