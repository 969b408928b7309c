/**
 * LOCAL AUTH STAND-IN — NOT Supabase Auth.
 *
 * No Supabase Auth (GoTrue) binary can be installed in the local stack, so this
 * module answers the subset of GoTrue's HTTP API that @supabase/auth-js calls
 * for email + password accounts, over GoTrue's own tables in the `auth` schema
 * (supabase/compat/20_auth.sql). Production uses real Supabase Auth; nothing
 * here is deployed.
 *
 * Served (paths relative to /auth/v1):
 *   POST   /token?grant_type=password        sign in
 *   POST   /token?grant_type=refresh_token   rotate the refresh token
 *   GET    /user                             the caller (access token)
 *   POST   /logout?scope=global|local|others end sessions
 *   GET    /admin/users, POST /admin/users   list / create   (service_role)
 *   GET    /admin/users/{id}, PUT …, DELETE … get / update (ban_duration, metadata) / delete (service_role)
 *   POST   /invite                           invite by email (service_role; no mail sent)
 *   GET    /health, GET /settings
 *   POST   /signup                           always 422 signup_disabled
 *
 * Everything else is 404 (unknown path) or 405 (known path, other method).
 * The gateway has already checked the `apikey` header and handles CORS.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import { formatLogLine, levelForStatus } from "../log.ts";
import { createUser, deleteUser, getUser, inviteUser, listUsers, updateUser } from "./admin.ts";
import { requireAdmin, requireUser } from "./authn.ts";
import { readBody, readJsonObject, parseJsonObject } from "./body.ts";
import {
  AuthHttpError,
  badRequest,
  sendError,
  sendJson,
  unexpectedFailure,
  unprocessable,
  versionHeaders,
} from "./errors.ts";
import { clientInfo, logout, parseLogoutScope, passwordGrant, refreshTokenGrant } from "./sessions.ts";
import { createTokenSigner, type TokenSigner } from "./tokens.ts";
import { userJson } from "./users.ts";

export interface AuthOptions {
  /** Connected as supabase_auth_admin (config.ts `authAdminDbUrl`), as GoTrue connects. */
  pool: pg.Pool;
  /** The project's HS256 secret, shared with PostgREST and the gateway. */
  jwtSecret: string;
  /** `iss` of issued access tokens, e.g. http://127.0.0.1:54321/auth/v1 */
  issuer: string;
  /** Access token lifetime (GOTRUE_JWT_EXP); default 3600. */
  jwtExpirySeconds?: number;
  /** Where the one-line-per-request JSON log goes; default stdout. */
  log?: (line: string) => void;
}

export type AuthRequestHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

/** Shown by GET /health, so nobody mistakes the stand-in for GoTrue. */
export const STAND_IN_VERSION = "v2-local-stand-in";

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path parameters captured by the route pattern. */
  params: string[];
}

type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

export function createAuthHandler(opts: AuthOptions): AuthRequestHandler {
  if (!opts.jwtSecret) throw new Error("auth stand-in: jwtSecret is required");
  const { pool } = opts;
  const signer: TokenSigner = createTokenSigner(opts.jwtSecret, opts.issuer, opts.jwtExpirySeconds ?? 3600);
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  // An idle client losing its connection (database restart) emits 'error' on
  // the pool; unhandled, that would take the whole stack process down.
  if (pool.listenerCount("error") === 0) {
    pool.on("error", (err) =>
      log(formatLogLine("error", "database pool error", { svc: "auth", error: err.message })),
    );
  }

  const routes: Route[] = [
    {
      pattern: /^\/health$/,
      methods: {
        GET: async ({ req, res }) =>
          sendJson(req, res, 200, {
            version: STAND_IN_VERSION,
            name: "GoTrue (local stand-in)",
            description:
              "Local development stand-in for Supabase Auth (GoTrue): email/password sign-in, refresh, user, logout and admin users only. Production uses Supabase Auth.",
          }),
      },
    },
    {
      pattern: /^\/settings$/,
      methods: {
        GET: async ({ req, res }) =>
          sendJson(req, res, 200, {
            external: {
              anonymous_users: false,
              apple: false,
              azure: false,
              github: false,
              google: false,
              email: true,
              phone: false,
              saml: false,
            },
            disable_signup: true,
            mailer_autoconfirm: false,
            phone_autoconfirm: false,
            sms_provider: "",
            saml_enabled: false,
          }),
      },
    },
    {
      pattern: /^\/signup$/,
      methods: {
        // Demo users come from the seed or the admin API; GoTrue checks this before reading the body.
        POST: async () => {
          throw unprocessable("signup_disabled", "Signups not allowed for this instance");
        },
      },
    },
    {
      pattern: /^\/token$/,
      methods: {
        POST: async ({ req, res, url }) => {
          const grantType = url.searchParams.get("grant_type") ?? "";
          // GoTrue picks the grant before reading the body, and answers an unknown one this way.
          if (grantType !== "password" && grantType !== "refresh_token") {
            throw badRequest("invalid_credentials", "unsupported_grant_type");
          }
          const body = await readJsonObject(req);
          const session =
            grantType === "password"
              ? await passwordGrant(pool, signer, body, clientInfo(req))
              : await refreshTokenGrant(pool, signer, body, clientInfo(req));
          sendJson(req, res, 200, session);
        },
      },
    },
    {
      pattern: /^\/user$/,
      methods: {
        GET: async ({ req, res }) => {
          const { user } = await requireUser(req, pool, signer);
          sendJson(req, res, 200, userJson(user));
        },
      },
    },
    {
      pattern: /^\/logout$/,
      methods: {
        POST: async ({ req, res, url }) => {
          const caller = await requireUser(req, pool, signer);
          const scope = parseLogoutScope(url.searchParams.get("scope"));
          await logout(pool, caller.user.id, caller.sessionId, scope);
          res.writeHead(204, versionHeaders(req)).end();
        },
      },
    },
    {
      pattern: /^\/admin\/users$/,
      methods: {
        GET: async ({ req, res, url }) => {
          await requireAdmin(req, signer);
          const { body, headers } = await listUsers(pool, url.searchParams);
          sendJson(req, res, 200, body, headers);
        },
        POST: async ({ req, res }) => {
          await requireAdmin(req, signer);
          sendJson(req, res, 200, await createUser(pool, await readJsonObject(req)));
        },
      },
    },
    {
      pattern: /^\/invite$/,
      methods: {
        POST: async ({ req, res }) => {
          await requireAdmin(req, signer);
          sendJson(req, res, 200, await inviteUser(pool, await readJsonObject(req)));
        },
      },
    },
    {
      pattern: /^\/admin\/users\/([^/]+)$/,
      methods: {
        GET: async ({ req, res, params }) => {
          await requireAdmin(req, signer);
          sendJson(req, res, 200, await getUser(pool, decodeURIComponent(params[0]!)));
        },
        PUT: async ({ req, res, params }) => {
          await requireAdmin(req, signer);
          sendJson(req, res, 200, await updateUser(pool, decodeURIComponent(params[0]!), await readJsonObject(req)));
        },
        DELETE: async ({ req, res, params }) => {
          await requireAdmin(req, signer);
          // auth-js always sends {should_soft_delete}; an empty body means a hard delete.
          const raw = await readBody(req);
          const body = raw.length === 0 ? {} : parseJsonObject(raw);
          sendJson(req, res, 200, await deleteUser(pool, decodeURIComponent(params[0]!), body));
        },
      },
    },
  ];

  async function dispatch(ctx: Omit<RequestContext, "params">): Promise<void> {
    const method = (ctx.req.method ?? "GET").toUpperCase();
    for (const route of routes) {
      const match = route.pattern.exec(ctx.url.pathname);
      if (!match) continue;
      const handler = route.methods[method];
      if (!handler) {
        throw new AuthHttpError(405, "method_not_allowed", `Method ${method} is not allowed on ${ctx.url.pathname}`, {}, {
          allow: Object.keys(route.methods).join(", "),
        });
      }
      return handler({ ...ctx, params: match.slice(1) });
    }
    throw new AuthHttpError(404, "not_found", `Not found: the local auth stand-in does not serve ${ctx.url.pathname}`);
  }

  return async function handleAuthRequest(req, res, subpath) {
    const startedAt = process.hrtime.bigint();
    const requestIdHeader = req.headers["x-request-id"];
    const requestId = (Array.isArray(requestIdHeader) ? requestIdHeader[0] : requestIdHeader) ?? null;
    const url = new URL(subpath.startsWith("/") ? subpath : `/${subpath}`, "http://auth.stand-in.local");
    let errorCode: string | undefined;

    // One line per request, written when the response is done. Never the
    // body, the query string or a header value: they carry passwords and tokens.
    res.once("close", () => {
      const line: Record<string, unknown> = {
        svc: "auth",
        request_id: requestId,
        method: req.method,
        path: url.pathname,
        status: res.statusCode,
        ms: Number((Number(process.hrtime.bigint() - startedAt) / 1e6).toFixed(1)),
      };
      if (url.pathname === "/token") line.grant_type = url.searchParams.get("grant_type")?.slice(0, 32) ?? null;
      if (errorCode) line.error_code = errorCode;
      if (!res.writableFinished) line.aborted = true;
      log(formatLogLine(levelForStatus(res.statusCode), "request", line));
    });

    try {
      await dispatch({ req, res, url });
    } catch (err) {
      const failure = err instanceof AuthHttpError ? err : unexpectedFailure();
      if (!(err instanceof AuthHttpError)) {
        // Operator-facing detail; the client only gets "unexpected_failure".
        const detail = err instanceof Error ? err.message : String(err);
        const pgCode = (err as { code?: unknown })?.code;
        process.stderr.write(
          formatLogLine("error", "unexpected failure", {
            svc: "auth",
            request_id: requestId,
            path: url.pathname,
            error: detail,
            pg_code: typeof pgCode === "string" ? pgCode : undefined,
          }) + "\n",
        );
      }
      errorCode = failure.errorCode;
      if (res.headersSent) {
        res.end();
        return;
      }
      sendError(req, res, failure);
    }
  };
}
