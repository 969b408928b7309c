/**
 * Environment, read once when a function boots and validated with zod: a
 * function with a missing secret fails at start with one message naming every
 * missing or invalid variable, instead of failing later on a request.
 *
 * Messages name variables, never their values (they are secrets).
 *
 * Supabase gives every function SUPABASE_URL, SUPABASE_ANON_KEY,
 * SUPABASE_SERVICE_ROLE_KEY and SUPABASE_DB_URL; the local runtime
 * (edge-functions/_main/index.ts) does the same, plus TERRAIN_VERSION and the
 * secrets of edge-functions/.env.
 */
import { z } from "zod";

export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Missing or invalid environment variables: ${problems.join("; ")}`);
    this.name = "EnvError";
  }
}

/** `postgres://` or `postgresql://`, as the Supabase CLI and dashboard print them. */
export const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// or postgresql:// URL");

export const httpUrl = z.string().url("must be a URL").regex(
  /^https?:\/\//,
  "must be an http(s) URL",
);

/** The app version the runner puts in TERRAIN_VERSION (root package.json); "dev" when unset. */
export const appVersion = z.string().min(1).default("dev");

/** What Supabase injects into every function. */
export const supabaseEnvShape = {
  SUPABASE_URL: httpUrl,
  SUPABASE_ANON_KEY: z.string().min(1),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  SUPABASE_DB_URL: postgresUrl,
} as const;

/**
 * Validates the variables named in `shape` and returns them typed. Empty
 * strings count as missing (an `.env` line `KEY=` is a forgotten secret).
 * Throws EnvError listing every problem at once.
 */
export function readEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  source: Record<string, string | undefined> = Deno.env.toObject(),
): z.output<z.ZodObject<Shape>> {
  const present: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") present[key] = value;
  }
  const parsed = z.object(shape).safeParse(present);
  if (parsed.success) return parsed.data;

  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join(".");
    return present[name] === undefined ? `${name} (missing)` : `${name} (${issue.message})`;
  });
  throw new EnvError(problems);
}

/** The four variables every Supabase function gets, validated. */
export function readSupabaseEnv(
  source?: Record<string, string | undefined>,
): z.output<z.ZodObject<typeof supabaseEnvShape>> {
  return readEnv(supabaseEnvShape, source);
}
