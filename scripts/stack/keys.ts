/**
 * The API keys of the local stack. As in Supabase, the anon and service_role
 * keys are long-lived HS256 JWTs signed with the project's JWT secret:
 * PostgREST switches to the role named in the `role` claim.
 * LOCAL DEVELOPMENT ONLY: derived from the local default secret.
 */
import { SignJWT } from "jose";

/** Same expiry the Supabase CLI's demo keys carry (2032-11-13). */
const DEMO_KEY_EXP = 1983812996;

export interface ApiKeys {
  anonKey: string;
  serviceRoleKey: string;
}

export async function signApiKey(secret: string, role: "anon" | "service_role"): Promise<string> {
  return new SignJWT({ iss: "supabase-demo", role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(DEMO_KEY_EXP)
    .sign(new TextEncoder().encode(secret));
}

export async function apiKeys(secret: string): Promise<ApiKeys> {
  return {
    anonKey: await signApiKey(secret, "anon"),
    serviceRoleKey: await signApiKey(secret, "service_role"),
  };
}
