/**
 * Where the app finds its API and the public (anon) key.
 *
 * The built app is served by the gateway at the same origin as the API, so the
 * Supabase URL defaults to that origin. The anon key is not baked into the build:
 * the gateway serves `/config.json` next to the app, so one build works against
 * any stack (local dev, test profile, a Supabase project).
 * `VITE_SUPABASE_URL` / `VITE_SUPABASE_ANON_KEY` are a fallback for `vite dev`
 * when no gateway answers /config.json.
 */

export interface AppConfig {
  /** Base URL handed to `createClient` (no trailing slash). */
  supabaseUrl: string;
  /** The public anon key (a JWT with role "anon"); never the service_role key. */
  anonKey: string;
  /** The Web Push (VAPID) public key for pushManager.subscribe; absent when the server sends no push. */
  vapidPublicKey?: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** No answer at all (offline, server down), as opposed to a wrong answer. */
export class ConfigUnreachableError extends ConfigError {
  override name = "ConfigUnreachableError";
}

export interface ConfigEnv {
  VITE_SUPABASE_URL?: string | undefined;
  VITE_SUPABASE_ANON_KEY?: string | undefined;
}

export interface ConfigSources {
  /** The page's origin (window.location.origin): the default Supabase URL. */
  origin: string;
  /** Where the gateway serves the config, e.g. "/config.json". */
  configUrl: string;
  fetch: typeof fetch;
  env: ConfigEnv;
  /**
   * Where the last configuration that loaded is kept (localStorage in the
   * browser): the app must start with no network, and a technician opens it
   * offline. Without it, an unreachable /config.json is an error.
   */
  lastKnown?: { read(): string | null; write(value: string): void };
}

export async function loadConfig(sources: ConfigSources): Promise<AppConfig> {
  try {
    const config = await fetchConfigJson(sources);
    sources.lastKnown?.write(JSON.stringify(config));
    return config;
  } catch (error) {
    const saved = error instanceof ConfigUnreachableError ? lastKnownConfig(sources) : null;
    if (saved) return saved;
    const fromEnv = configFromEnv(sources.env, sources.origin);
    if (fromEnv) {
      console.warn(`${(error as Error).message} Using VITE_SUPABASE_* from the build environment instead.`);
      return fromEnv;
    }
    throw error;
  }
}

async function fetchConfigJson({ configUrl, origin, fetch }: ConfigSources): Promise<AppConfig> {
  let response: Response;
  try {
    response = await fetch(configUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch (error) {
    throw new ConfigUnreachableError(`Could not reach ${configUrl}: ${(error as Error).message}.`);
  }
  if (!response.ok) {
    const statusText = response.statusText ? ` ${response.statusText}` : "";
    throw new ConfigError(
      `${configUrl} answered HTTP ${response.status}${statusText}. ` +
        `The server must serve {"supabaseUrl": "…", "anonKey": "…"} next to the app.`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A server without /config.json often answers with the SPA's index.html: say so.
    const contentType = response.headers.get("content-type");
    const hint = contentType && !contentType.includes("json") ? ` (got ${contentType})` : "";
    throw new ConfigError(`${configUrl} is not valid JSON${hint}.`);
  }
  return parseConfig(body, origin, configUrl);
}

export function parseConfig(body: unknown, origin: string, source: string): AppConfig {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ConfigError(`${source} must be a JSON object with "anonKey" (and optionally "supabaseUrl").`);
  }
  const { anonKey, supabaseUrl, vapidPublicKey } = body as Record<string, unknown>;
  if (typeof anonKey !== "string" || anonKey.trim() === "") {
    throw new ConfigError(`${source} has no "anonKey": the app cannot call the API without it.`);
  }
  if (supabaseUrl !== undefined && supabaseUrl !== null && typeof supabaseUrl !== "string") {
    throw new ConfigError(`${source} has a "supabaseUrl" that is not a string.`);
  }
  if (vapidPublicKey !== undefined && vapidPublicKey !== null && (typeof vapidPublicKey !== "string" || !/^[A-Za-z0-9_-]+=*$/.test(vapidPublicKey))) {
    throw new ConfigError(`${source} has a "vapidPublicKey" that is not a base64url string.`);
  }
  return {
    anonKey: anonKey.trim(),
    supabaseUrl: normaliseUrl(supabaseUrl || origin, source),
    ...(vapidPublicKey ? { vapidPublicKey } : {}),
  };
}

/** Only when /config.json could not be reached: a server that answers wrongly is still reported. */
function lastKnownConfig(sources: ConfigSources): AppConfig | null {
  const text = sources.lastKnown?.read();
  if (!text) return null;
  try {
    return parseConfig(JSON.parse(text), sources.origin, "the last known configuration");
  } catch {
    return null;
  }
}

function configFromEnv(env: ConfigEnv, origin: string): AppConfig | null {
  if (!env.VITE_SUPABASE_ANON_KEY) return null;
  return parseConfig(
    { anonKey: env.VITE_SUPABASE_ANON_KEY, supabaseUrl: env.VITE_SUPABASE_URL },
    origin,
    "VITE_SUPABASE_* environment",
  );
}

function normaliseUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source} has a "supabaseUrl" that is not an absolute URL: ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${source} has a "supabaseUrl" that is not http(s): ${value}`);
  }
  return url.href.replace(/\/+$/, "");
}
