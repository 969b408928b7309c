/** The SQL and the Supabase Auth admin API behind invite-member. */
import type { SupabaseClient } from "@supabase/supabase-js";
import { rpc } from "../_shared/supabase.ts";
import type {
  AccountToRemove,
  AddedMember,
  InviteRequest,
  MemberDirectory,
  ResentInvitation,
  RevokedInvitation,
} from "./handler.ts";

export function supabaseMemberDirectory(
  callerFor: (req: Request) => SupabaseClient,
  service: () => SupabaseClient,
): MemberDirectory {
  return {
    addMember(req: Request, request: InviteRequest): Promise<AddedMember> {
      return rpc<AddedMember>(callerFor(req), "add_member", {
        p_org_id: request.org_id,
        p_email: request.email,
        p_role: request.role,
        p_client_id: request.client_id ?? null,
      });
    },
    async inviteAccount(email: string, orgId: string): Promise<void> {
      const { error } = await service().auth.admin.inviteUserByEmail(email, {
        data: { invited_to_org: orgId },
      });
      // Created meanwhile by another invitation (add_member finds it now), or, when resending,
      // an account that has confirmed its email: the invitation email alone goes.
      if (error && error.code !== "email_exists") {
        throw new Error(
          `Supabase Auth invite failed: ${error.status ?? ""} ${error.code ?? ""} ${error.message}`,
        );
      }
    },
    resendInvitation(req: Request, invitationId: string): Promise<ResentInvitation> {
      return rpc<ResentInvitation>(callerFor(req), "resend_invitation", {
        p_invitation_id: invitationId,
      });
    },
    revokeInvitation(req: Request, invitationId: string): Promise<RevokedInvitation> {
      return rpc<RevokedInvitation>(callerFor(req), "revoke_invitation", {
        p_invitation_id: invitationId,
      });
    },
    accountsToRemove(req: Request): Promise<AccountToRemove[]> {
      return rpc<AccountToRemove[]>(callerFor(req), "invited_accounts_to_remove");
    },
    async deleteAccount(userId: string): Promise<void> {
      const { error } = await service().auth.admin.deleteUser(userId);
      // Deleted meanwhile (by an operator, or a revoke answered twice): what was asked is done.
      if (error && error.status !== 404) {
        throw new Error(
          `Supabase Auth delete failed: ${error.status ?? ""} ${error.code ?? ""} ${error.message}`,
        );
      }
    },
  };
}
