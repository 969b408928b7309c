/**
 * LOCAL STORAGE STAND-IN — not Supabase Storage (production uses the real one).
 *
 * Bearer tokens and signed-URL tokens, as Storage handles them: both are HS256
 * JWTs under the project's JWT secret. A signed URL's token carries the
 * object's `url` (`<bucket>/<name>`), and for uploads the `owner` and `upsert`
 * flag; a token for another path, expired, or with a bad signature is refused
 * with 400 InvalidJWT / InvalidSignature, as Storage refuses it.
 */
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import { invalidJwt, invalidSignature } from "./errors.ts";

/** Storage's lifetime of a signed upload URL (2 hours). */
export const SIGNED_UPLOAD_URL_SECONDS = 2 * 60 * 60;

export interface UploadTokenClaims {
  url: string;
  owner?: string;
  upsert: boolean;
}

export function createStorageTokens(jwtSecret: string) {
  const secret = new TextEncoder().encode(jwtSecret);

  async function sign(payload: JWTPayload, expiresInSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(now)
      .setExpirationTime(now + expiresInSeconds)
      .sign(secret);
  }

  async function verify(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
      return payload;
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw invalidJwt(code === "ERR_JWT_EXPIRED" ? "jwt expired" : "invalid signature");
    }
  }

  return {
    /** The caller's bearer token (anon key, service key or a user's access token). */
    verifyBearer: verify,
    signDownload: (url: string, expiresInSeconds: number) => sign({ url }, expiresInSeconds),
    signUpload: (claims: UploadTokenClaims) => sign({ ...claims }, SIGNED_UPLOAD_URL_SECONDS),
    /** The token's claims, if it is valid and was signed for exactly this `<bucket>/<name>`. */
    async verifySigned(token: string | null, url: string): Promise<JWTPayload> {
      if (!token) throw invalidJwt("Missing token");
      const payload = await verify(token);
      if (payload.url !== url) throw invalidSignature();
      return payload;
    },
  };
}

export type StorageTokens = ReturnType<typeof createStorageTokens>;
