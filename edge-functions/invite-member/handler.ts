/**
 * invite-member: adds a person to an organization by email, creating their
 * account first when they have none.
 *
 *   POST {"org_id": "<uuid>", "email": "…", "role": "dispatcher", "client_id"?: "<uuid>"}
 *     201 {"membership_id", "user_id", "email", "role", "client_id", "account_created"}
 *
 * Who may invite, with which role and which portal client, is decided by SQL
 * (add_member, called on the caller's own token): the function holds no rule.
 * add_member answers account_not_found only after every other check has
 * passed; only then does the function create the account through Supabase
 * Auth's admin invite (service role) and call add_member again. The
 * membership insert queues the invitation email (a database trigger).
 *
 * Refusals: 400 bad body, 401 no or bad token (gateway) or anon, 403 not an
 * owner/admin (or an admin inviting an owner), 404 unknown client, 405 method,
 * 409 already a member, 415 not JSON, 422 role and client do not fit.
 *
 *   POST /resend {"invitation_id": "<uuid>"}
 *     200 {"invitation_id", "org_id", "email", "send_count", "last_sent_at"}
 *
 * Sends a pending invitation again: SQL's resend_invitation (on the caller's
 * token) decides and queues the invitation email; then Supabase Auth's admin
 * invite sends its sign-up link again (for an account that has confirmed its
 * email Auth answers email_exists, and the invitation email alone goes).
 * Refusals from SQL: 404 unknown or not the caller's organization, 409 the
 * person has joined (invitation_not_pending), 429 sent less than a minute ago.
 *
 *   POST /revoke {"invitation_id": "<uuid>"}
 *     200 {"invitation_id", "org_id", "email", "account_removed"}
 *
 * Withdraws a pending invitation: SQL's revoke_invitation (on the caller's
 * token) decides and removes the membership. When the invitation created the
 * account, which has never signed in and belongs to no organization now, SQL
 * also bans the account and queues it for removal in the same transaction
 * (so no sign-in gets through from then on) and reports account_removable;
 * the account is then deleted through Supabase Auth's admin API (service
 * role), so a person who never accepted keeps no dormant account. Should that
 * deletion fail, the revoke stands: the answer says account_removed false,
 * the failure is logged, and the account stays banned and queued for the
 * sweep below. Refusals from SQL: 403 an admin revoking an owner's
 * invitation, 404 unknown or not the caller's organization, 409 the person
 * has joined.
 *
 *   POST /remove-revoked-accounts {}
 *     200 {"removed", "failed"}
 *
 * The sweep (service role; run on a schedule): deletes through Supabase Auth
 * every account SQL still lists as banned and queued (invited_accounts_to_remove,
 * on the caller's token, which SQL grants to the service role only: 401/403
 * for anyone else) — a revoke made through the RPC directly, or a deletion
 * that failed. A deleted account leaves the queue with it; one Auth fails to
 * delete is logged and stays queued for the next run.
 */
import { z } from "zod";
import {
  type FunctionHandler,
  HttpError,
  json,
  methodNotAllowed,
  readJson,
} from "../_shared/http.ts";
import { safeErrorMessage } from "../_shared/log.ts";

export const MEMBER_ROLES = [
  "owner",
  "admin",
  "dispatcher",
  "technician",
  "accountant",
  "client",
] as const;

const requestSchema = z.object({
  org_id: z.string().uuid("org_id must be a UUID"),
  email: z.string().trim().toLowerCase().max(320).email("email must be an email address"),
  role: z.enum(MEMBER_ROLES),
  client_id: z.string().uuid("client_id must be a UUID").nullish(),
}).strict();
export type InviteRequest = z.output<typeof requestSchema>;

/** The body of /resend and /revoke. */
const invitationSchema = z.object({
  invitation_id: z.string().uuid("invitation_id must be a UUID"),
}).strict();

export interface ResentInvitation {
  invitation_id: string;
  org_id: string;
  email: string;
  send_count: number;
  last_sent_at: string;
}

export interface RevokedInvitation {
  invitation_id: string;
  org_id: string;
  email: string;
  user_id: string;
  /** SQL's decision: the invitation created the account, never signed in, member of no organization now. */
  account_removable: boolean;
}

/** A row of invited_accounts_to_remove: an account revoke_invitation banned and queued. */
export interface AccountToRemove {
  user_id: string;
  email: string;
  org_id: string;
  queued_at: string;
}

export interface AddedMember {
  membership_id: string;
  user_id: string;
  email: string;
  role: string;
  client_id: string | null;
}

export interface MemberDirectory {
  /** add_member on the caller's token; throws the catalogue's HttpError (account_not_found, …). */
  addMember(req: Request, request: InviteRequest): Promise<AddedMember>;
  /** Supabase Auth admin invite (service role): creates the account of an email that has none, or invites it again. */
  inviteAccount(email: string, orgId: string): Promise<void>;
  /** resend_invitation on the caller's token; throws the catalogue's HttpError (not_found, invitation_not_pending, …). */
  resendInvitation(req: Request, invitationId: string): Promise<ResentInvitation>;
  /** revoke_invitation on the caller's token; throws the catalogue's HttpError (not_found, invitation_not_pending, …). */
  revokeInvitation(req: Request, invitationId: string): Promise<RevokedInvitation>;
  /** Supabase Auth admin delete (service role) of an account; one already gone counts as deleted. */
  deleteAccount(userId: string): Promise<void>;
  /** invited_accounts_to_remove on the caller's token (service role only; SQL refuses anyone else). */
  accountsToRemove(req: Request): Promise<AccountToRemove[]>;
}

/** The body of /remove-revoked-accounts: nothing to say. */
const sweepSchema = z.object({}).strict();

/** The last segment of the path: "/resend", "/revoke", or the function's own name for an invitation. */
function routeOf(req: Request): string {
  const path = new URL(req.url).pathname.replace(/\/+$/, "");
  return path.slice(path.lastIndexOf("/"));
}

export function createInviteMemberHandler(directory: MemberDirectory): FunctionHandler {
  return async (req, { log }) => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST"]);
    /** Deletes an account SQL banned and queued; false (logged) when Auth fails: it stays queued for the sweep. */
    const removeAccount = async (
      userId: string,
      context: Record<string, string>,
    ): Promise<boolean> => {
      try {
        await directory.deleteAccount(userId);
        return true;
      } catch (error) {
        // The revoke is committed; the account cannot sign in (banned) and the sweep retries its deletion.
        log.error(
          "deleting a revoked invitation's account failed: it stays banned and queued for the next sweep",
          {
            ...context,
            user_id: userId,
            error: safeErrorMessage(error),
          },
        );
        return false;
      }
    };
    const route = routeOf(req);
    if (route === "/resend") {
      const { invitation_id } = await readJson(req, invitationSchema);
      const resent = await directory.resendInvitation(req, invitation_id);
      await directory.inviteAccount(resent.email, resent.org_id);
      return json(resent, 200);
    }
    if (route === "/revoke") {
      const { invitation_id } = await readJson(req, invitationSchema);
      const { account_removable, user_id, ...revoked } = await directory.revokeInvitation(
        req,
        invitation_id,
      );
      const accountRemoved = account_removable && await removeAccount(user_id, { invitation_id });
      return json({ ...revoked, account_removed: accountRemoved }, 200);
    }
    if (route === "/remove-revoked-accounts") {
      await readJson(req, sweepSchema);
      let removed = 0;
      let failed = 0;
      for (const account of await directory.accountsToRemove(req)) {
        if (await removeAccount(account.user_id, { org_id: account.org_id })) removed++;
        else failed++;
      }
      return json({ removed, failed }, 200);
    }
    const request = await readJson(req, requestSchema);
    try {
      const member = await directory.addMember(req, request);
      return json({ ...member, account_created: false }, 201);
    } catch (err) {
      if (!(err instanceof HttpError) || err.code !== "account_not_found") throw err;
    }
    await directory.inviteAccount(request.email, request.org_id);
    const member = await directory.addMember(req, request);
    return json({ ...member, account_created: true }, 201);
  };
}
