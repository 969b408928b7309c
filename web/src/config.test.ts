import { describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig, type ConfigEnv } from "./config.ts";

const ORIGIN = "http://127.0.0.1:54321";

function sources(fetchImpl: typeof fetch, env: ConfigEnv = {}) {
  return { origin: ORIGIN, configUrl: "/config.json", fetch: fetchImpl, env };
}

function respondWith(body: string, init: ResponseInit = {}) {
  return vi.fn<typeof fetch>(async () => new Response(body, init));
}

describe("loadConfig", () => {
  it("reads the anon key and URL from /config.json", async () => {
    const fetchConfig = respondWith(JSON.stringify({ supabaseUrl: "https://abc.supabase.co/", anonKey: "anon-jwt" }), {
      headers: { "content-type": "application/json" },
    });
    const config = await loadConfig(sources(fetchConfig));
    expect(config).toEqual({ supabaseUrl: "https://abc.supabase.co", anonKey: "anon-jwt" });
    expect(fetchConfig).toHaveBeenCalledWith("/config.json", expect.anything());
  });

  it("reads the Web Push public key (vapidPublicKey) when the server has one", async () => {
    const key = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    const config = await loadConfig(sources(respondWith(JSON.stringify({ anonKey: "anon-jwt", vapidPublicKey: key }))));
    expect(config).toEqual({ supabaseUrl: ORIGIN, anonKey: "anon-jwt", vapidPublicKey: key });
  });

  it("refuses a vapidPublicKey that is not base64url text", async () => {
    await expect(loadConfig(sources(respondWith(JSON.stringify({ anonKey: "k", vapidPublicKey: 42 }))))).rejects.toThrow(
      '"vapidPublicKey" that is not a base64url string',
    );
    await expect(loadConfig(sources(respondWith(JSON.stringify({ anonKey: "k", vapidPublicKey: "not base64/url+" }))))).rejects.toThrow(
      '"vapidPublicKey" that is not a base64url string',
    );
  });

  it("uses the page origin when config.json gives no supabaseUrl", async () => {
    const config = await loadConfig(sources(respondWith(JSON.stringify({ anonKey: "anon-jwt" }))));
    expect(config).toEqual({ supabaseUrl: ORIGIN, anonKey: "anon-jwt" });
  });

  it("fails clearly when config.json is missing (404)", async () => {
    const load = loadConfig(sources(respondWith("not found", { status: 404, statusText: "Not Found" })));
    await expect(load).rejects.toBeInstanceOf(ConfigError);
    await expect(load).rejects.toThrow("/config.json answered HTTP 404 Not Found");
  });

  it("fails clearly when config.json is not JSON, naming what came back", async () => {
    const load = loadConfig(
      sources(respondWith("<!doctype html><html></html>", { headers: { "content-type": "text/html" } })),
    );
    await expect(load).rejects.toBeInstanceOf(ConfigError);
    await expect(load).rejects.toThrow("/config.json is not valid JSON (got text/html).");
  });

  it("fails clearly when the anon key is missing or empty", async () => {
    await expect(loadConfig(sources(respondWith(JSON.stringify({ supabaseUrl: ORIGIN }))))).rejects.toThrow(
      '/config.json has no "anonKey"',
    );
    await expect(loadConfig(sources(respondWith(JSON.stringify({ anonKey: "  " }))))).rejects.toThrow(
      '/config.json has no "anonKey"',
    );
    await expect(loadConfig(sources(respondWith("[]")))).rejects.toThrow("must be a JSON object");
  });

  it("rejects a supabaseUrl that is not an absolute http(s) URL", async () => {
    await expect(
      loadConfig(sources(respondWith(JSON.stringify({ anonKey: "k", supabaseUrl: "/api" })))),
    ).rejects.toThrow("not an absolute URL");
    await expect(
      loadConfig(sources(respondWith(JSON.stringify({ anonKey: "k", supabaseUrl: "ftp://example.com" })))),
    ).rejects.toThrow("not http(s)");
  });

  it("reports a network failure with the URL it tried", async () => {
    const failing = vi.fn<typeof fetch>(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(loadConfig(sources(failing))).rejects.toThrow("Could not reach /config.json: Failed to fetch.");
  });

  it("falls back to VITE_SUPABASE_* when config.json cannot be loaded and they are set", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const config = await loadConfig(
      sources(respondWith("not found", { status: 404 }), {
        VITE_SUPABASE_URL: "http://localhost:54321",
        VITE_SUPABASE_ANON_KEY: "dev-anon",
      }),
    );
    expect(config).toEqual({ supabaseUrl: "http://localhost:54321", anonKey: "dev-anon" });
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining("HTTP 404"));
  });

  it("prefers config.json over VITE_SUPABASE_* when both exist", async () => {
    const config = await loadConfig(
      sources(respondWith(JSON.stringify({ anonKey: "served-key" })), { VITE_SUPABASE_ANON_KEY: "baked-key" }),
    );
    expect(config.anonKey).toBe("served-key");
  });
});

describe("loadConfig offline", () => {
  function memory(initial: string | null = null) {
    let value = initial;
    return { read: () => value, write: (next: string) => void (value = next), get: () => value };
  }

  it("remembers the configuration that loaded, and starts from it when /config.json cannot be reached", async () => {
    const lastKnown = memory();
    const online = await loadConfig({ ...sources(respondWith(JSON.stringify({ anonKey: "anon-jwt" }))), lastKnown });
    expect(JSON.parse(lastKnown.get()!)).toEqual(online);

    const offline = vi.fn<typeof fetch>(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(loadConfig({ ...sources(offline), lastKnown })).resolves.toEqual({ supabaseUrl: ORIGIN, anonKey: "anon-jwt" });
  });

  it("does not hide a wrong answer behind the remembered configuration", async () => {
    const lastKnown = memory(JSON.stringify({ supabaseUrl: ORIGIN, anonKey: "anon-jwt" }));
    await expect(
      loadConfig({ ...sources(respondWith("not found", { status: 404, statusText: "Not Found" })), lastKnown }),
    ).rejects.toThrow("HTTP 404");
  });

  it("ignores a remembered value that is not a configuration", async () => {
    const offline = vi.fn<typeof fetch>(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(loadConfig({ ...sources(offline), lastKnown: memory("{not json") })).rejects.toThrow("Could not reach");
  });
});
