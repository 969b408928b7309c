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
 */
import { z } from "zod";
import { type FunctionHandler, HttpError, json, methodNotAllowed, readJson } from "../_shared/http.ts";

export const MEMBER_ROLES = ["owner", "admin", "dispatcher", "technician", "accountant", "client"] as const;

const requestSchema = z.object({
  org_id: z.string().uuid("org_id must be a UUID"),
  email: z.string().trim().toLowerCase().max(320).email("email must be an email address"),
  role: z.enum(MEMBER_ROLES),
  client_id: z.string().uuid("client_id must be a UUID").nullish(),
}).strict();
export type InviteRequest = z.output<typeof requestSchema>;

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
  /** Supabase Auth admin invite (service role): creates the account of an email that has none. */
  inviteAccount(email: string, orgId: string): Promise<void>;
}

export function createInviteMemberHandler(directory: MemberDirectory): FunctionHandler {
  return async (req) => {
    if (req.method !== "POST") throw methodNotAllowed(req.method, ["POST"]);
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
