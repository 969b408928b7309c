/**
 * LOCAL AUTH STAND-IN — not Supabase Auth (production uses real Supabase Auth).
 *
 * Access tokens (HS256 JWTs with the claims GoTrue puts in them) and refresh
 * tokens (opaque random strings, stored only as their SHA-256 digest).
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { forbidden, type AuthHttpError } from "./errors.ts";

/** What the caller decides in an access token; the signer adds iss, iat and exp. */
export interface AccessTokenSubject {
  sub: string;
  aud: string;
  email: string;
  phone: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  role: string;
  aal: "aal1";
  amr: Array<{ method: string; timestamp: number }>;
  session_id: string;
  is_anonymous: boolean;
}

/** Claims of a GoTrue access token, in the order GoTrue serialises them (internal/api/token.go). */
export type AccessTokenClaims = { iss: string; exp: number; iat: number } & AccessTokenSubject;

export interface TokenSigner {
  signAccessToken(claims: AccessTokenSubject): Promise<{ token: string; expiresAt: number }>;
  /** Verifies signature (HS256 only) and time claims; throws a 403 `bad_jwt` AuthHttpError otherwise. */
  verify(token: string): Promise<JWTPayload>;
  readonly expirySeconds: number;
}

/**
 * golang-jwt v5 wording, which GoTrue puts after "invalid JWT: unable to parse
 * or verify signature, " — clients and people grepping logs see the same text.
 */
function describeJoseFailure(err: unknown, token: string): string {
  if (err instanceof joseErrors.JWTExpired) return "token has invalid claims: token is expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return err.claim === "nbf" ? "token has invalid claims: token is not valid yet" : `token has invalid claims: ${err.message}`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "token signature is invalid: signature is invalid";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return `token signature is invalid: signing method ${headerAlg(token)} is invalid`;
  }
  if (err instanceof joseErrors.JOSEError) return `token is malformed: ${err.message}`;
  return "token is malformed";
}

function headerAlg(token: string): string {
  try {
    return String(decodeProtectedHeader(token).alg);
  } catch {
    return "unknown";
  }
}

function invalidJwt(err: unknown, token: string): AuthHttpError {
  return forbidden("bad_jwt", `invalid JWT: unable to parse or verify signature, ${describeJoseFailure(err, token)}`);
}

export function createTokenSigner(jwtSecret: string, issuer: string, expirySeconds: number): TokenSigner {
  const key = new TextEncoder().encode(jwtSecret);
  return {
    expirySeconds,
    async signAccessToken(claims) {
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + expirySeconds;
      // Spread in GoTrue's order: registered claims first, then its own.
      const payload: AccessTokenClaims = {
        iss: issuer,
        sub: claims.sub,
        aud: claims.aud,
        exp,
        iat,
        email: claims.email,
        phone: claims.phone,
        app_metadata: claims.app_metadata,
        user_metadata: claims.user_metadata,
        role: claims.role,
        aal: claims.aal,
        amr: claims.amr,
        session_id: claims.session_id,
        is_anonymous: claims.is_anonymous,
      };
      // The cast only widens a closed object type to jose's open claims record.
      const token = await new SignJWT(payload as unknown as JWTPayload)
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .sign(key);
      return { token, expiresAt: exp };
    },
    async verify(token) {
      try {
        // `algorithms` pins HS256: "none", RS256-with-the-secret-as-key and
        // every other alg are refused before any signature check.
        const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
        return payload;
      } catch (err) {
        throw invalidJwt(err, token);
      }
    },
  };
}

/** 32 random bytes (256 bits), base64url: 43 characters. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What is stored in auth.refresh_tokens.token: a leaked table must not be usable. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
