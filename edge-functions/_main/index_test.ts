/**
 * The local functions runtime, started for real (a `deno run` child process
 * with the production permission flags) against fixture functions written to a
 * temporary directory: routing, the path a function sees, the Deno.serve
 * signatures, boot and handler failures, the body limit, env and .env, and a
 * graceful shutdown.
 *
 * Run with the other Deno tests: `deno task --config edge-functions/deno.json test`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startRuntime } from "./runtime_testing.ts";

const MAX_BODY_BYTES = 1024;

const FIXTURES: Record<string, string> = {
  // A normal function that reports what it received; importing zod proves the
  // import map (npm: specifiers) reaches functions outside edge-functions/.
  "echo/index.ts": `
    import { z } from "zod";
    const Query = z.object({ sleep: z.coerce.number().int().min(0).max(5000).optional() });
    Deno.serve(async (req) => {
      const url = new URL(req.url);
      const { sleep } = Query.parse(Object.fromEntries(url.searchParams));
      if (sleep) await new Promise((resolve) => setTimeout(resolve, sleep));
      const names = ["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_DB_URL",
        "TERRAIN_VERSION", "FROM_DOTENV", "QUOTED_FROM_DOTENV", "OVERRIDDEN"];
      return Response.json({
        path: url.pathname + url.search,
        method: req.method,
        body: await req.text(),
        request_id: req.headers.get("x-request-id"),
        env: Object.fromEntries(names.map((name) => [name, Deno.env.get(name) ?? null])),
      });
    });`,
  "broken/index.ts": `throw new Error("boom at import");`,
  "nothing/index.ts": `export const notAFunction = 1;`,
  "throws/index.ts": `
    Deno.serve((req) => {
      if (new URL(req.url).pathname === "/throws/stray") {
        // A rejection nobody awaits must not take the runtime down.
        Promise.reject(new Error("stray rejection"));
        setTimeout(() => { throw new Error("stray throw in a timer"); }, 0);
        return new Response("survived");
      }
      throw new Error("handler exploded");
    });`,
  "options-handler/index.ts": `
    Deno.serve({ port: 9999, handler: () => new Response("served by options.handler") });`,
  "two-args/index.ts": `
    Deno.serve(
      { port: 9998, onError: () => new Response("handled by onError", { status: 418 }) },
      () => { throw new Error("caught by onError"); },
    );`,
  "default-fetch/index.ts": `
    export default { fetch: (req: Request) => new Response("default export: " + new URL(req.url).pathname) };`,
  // Not functions: a non-slug folder (like _shared), a folder without index.ts,
  // a name that starts with a digit. Each would fail loudly if it were loaded.
  "_private/index.ts": `throw new Error("_private must never be loaded");`,
  "no-index/main.ts": `throw new Error("no-index must never be loaded");`,
  "1digit/index.ts": `throw new Error("1digit must never be loaded");`,
  ".env": [
    "# secrets, as in supabase/functions/.env",
    "FROM_DOTENV=dotenv-value",
    'QUOTED_FROM_DOTENV="a value with spaces"',
    "OVERRIDDEN=from-dotenv",
    "SUPABASE_URL=http://must-be-ignored.invalid",
  ].join("\n"),
};

const PROCESS_ENV = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_ANON_KEY: "anon-key",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
  TERRAIN_VERSION: "9.9.9",
  OVERRIDDEN: "from-process",
};

function writeFixtures(dir: string): void {
  for (const [path, content] of Object.entries(FIXTURES)) {
    const file = join(dir, path);
    Deno.mkdirSync(join(file, ".."), { recursive: true });
    Deno.writeTextFileSync(file, content);
  }
}

/** Bodies differ per step; each step asserts the fields it reads. */
// deno-lint-ignore no-explicit-any
type AnyJson = any;

async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: AnyJson }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

Deno.test("local functions runtime", async (t) => {
  const functionsDir = Deno.makeTempDirSync({ prefix: "terrain-functions-" });
  writeFixtures(functionsDir);
  const runtime = await startRuntime(functionsDir, {
    ...PROCESS_ENV,
    FUNCTIONS_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  });
  const url = (path: string) => runtime.baseUrl + path;
  let exited = false;

  try {
    await t.step(
      "readiness endpoint lists the functions and those that failed to boot",
      async () => {
        const { status, body } = await getJson(url("/_internal/health"));
        assert.equal(status, 200);
        assert.deepEqual(body, {
          ok: true,
          functions: [
            "broken",
            "default-fetch",
            "echo",
            "nothing",
            "options-handler",
            "throws",
            "two-args",
          ],
          failed: ["broken", "nothing"],
          boot_errors: {
            broken: "boom at import",
            nothing: "index.ts neither calls Deno.serve(...) nor default-exports { fetch }",
          },
        });
      },
    );

    await t.step(
      "a function sees the path starting with its name, query string included",
      async () => {
        const { status, body } = await getJson(url("/echo/sub/path?y=1&z=two"));
        assert.equal(status, 200);
        assert.equal(body.path, "/echo/sub/path?y=1&z=two");
        assert.equal(body.method, "GET");

        const root = await getJson(url("/echo"));
        assert.equal(root.body.path, "/echo");
      },
    );

    await t.step("request bodies reach the function", async () => {
      const { body } = await getJson(url("/echo"), { method: "POST", body: "hello" });
      assert.equal(body.method, "POST");
      assert.equal(body.body, "hello");
    });

    await t.step("unknown functions and non-function folders answer Supabase's 404", async () => {
      for (
        const path of [
          "/nope",
          "/nope/x",
          "/_private",
          "/no-index",
          "/1digit",
          "/",
          "/_shared/http.ts",
        ]
      ) {
        const { status, body, headers } = await getJson(url(path));
        assert.equal(status, 404, path);
        assert.deepEqual(
          body,
          { code: "NOT_FOUND", message: "Requested function was not found" },
          path,
        );
        assert.ok(headers.get("x-request-id"), path);
      }
    });

    await t.step(
      "a function whose import throws answers 500 function_boot_error; the others still work",
      async () => {
        const broken = await getJson(url("/broken"));
        assert.equal(broken.status, 500);
        assert.equal(broken.body.error.code, "function_boot_error");
        assert.match(broken.body.error.message, /boom at import/);

        const nothing = await getJson(url("/nothing/x"));
        assert.equal(nothing.status, 500);
        assert.match(nothing.body.error.message, /neither calls Deno\.serve/);

        assert.ok(
          runtime.logs.some((line) =>
            line.msg === "function failed to boot" && line.function === "broken"
          ),
          "the boot error is logged",
        );
        assert.equal((await getJson(url("/echo"))).status, 200);
      },
    );

    await t.step(
      "a handler that throws gives a JSON 500, is logged, and the runtime stays up",
      async () => {
        const res = await getJson(url("/throws"));
        assert.equal(res.status, 500);
        assert.equal(res.body.error.code, "function_error");
        assert.match(res.body.error.message, /handler exploded/);
        assert.ok(
          runtime.logs.some((line) =>
            line.msg === "function handler threw" && line.function === "throws"
          ),
        );

        const stray = await fetch(url("/throws/stray"));
        assert.equal(stray.status, 200);
        assert.equal(await stray.text(), "survived");
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal((await getJson(url("/echo"))).status, 200);
        assert.ok(runtime.logs.some((line) => line.msg === "unhandled promise rejection"));
        assert.ok(runtime.logs.some((line) => line.msg === "uncaught exception"));
      },
    );

    await t.step(
      "Deno.serve({ handler }), Deno.serve(options, handler) with onError, and export default { fetch }",
      async () => {
        const viaOptions = await fetch(url("/options-handler"));
        assert.equal(await viaOptions.text(), "served by options.handler");

        const viaOnError = await fetch(url("/two-args"));
        assert.equal(viaOnError.status, 418);
        assert.equal(await viaOnError.text(), "handled by onError");

        const viaDefault = await fetch(url("/default-fetch/a"));
        assert.equal(await viaDefault.text(), "default export: /default-fetch/a");
      },
    );

    await t.step("bodies over the limit get 413, with or without Content-Length", async () => {
      const declared = await getJson(url("/echo"), {
        method: "POST",
        body: "x".repeat(MAX_BODY_BYTES + 1),
      });
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error.code, "payload_too_large");

      const chunked = (size: number) =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let sent = 0; sent < size; sent += 100) {
              controller.enqueue(new TextEncoder().encode("y".repeat(Math.min(100, size - sent))));
            }
            controller.close();
          },
        });
      const overChunked = await getJson(url("/echo"), {
        method: "POST",
        body: chunked(MAX_BODY_BYTES + 500),
        duplex: "half",
      } as RequestInit);
      assert.equal(overChunked.status, 413);

      const withinChunked = await getJson(
        url("/echo"),
        { method: "POST", body: chunked(300), duplex: "half" } as RequestInit,
      );
      assert.equal(withinChunked.status, 200);
      assert.equal(withinChunked.body.body, "y".repeat(300));

      const atLimit = await getJson(url("/echo"), {
        method: "POST",
        body: "z".repeat(MAX_BODY_BYTES),
      });
      assert.equal(atLimit.status, 200);
    });

    await t.step(
      "functions get the runtime's env plus .env secrets; SUPABASE_* and process values win",
      async () => {
        const { body } = await getJson(url("/echo"));
        assert.deepEqual(body.env, {
          ...PROCESS_ENV,
          FROM_DOTENV: "dotenv-value",
          QUOTED_FROM_DOTENV: "a value with spaces",
        });
        const logged = JSON.stringify(runtime.logs);
        assert.ok(!logged.includes("dotenv-value"), ".env values are never logged");
      },
    );

    await t.step(
      "request ids: the caller's is kept end to end, otherwise the runtime adds one",
      async () => {
        const withId = await getJson(url("/echo"), { headers: { "x-request-id": "trace-123" } });
        assert.equal(withId.body.request_id, "trace-123");
        assert.equal(withId.headers.get("x-request-id"), "trace-123");

        const without = await getJson(url("/echo"));
        assert.match(without.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
      },
    );

    await t.step("SIGTERM lets an in-flight request finish, then exits 0", async () => {
      const inFlight = fetch(url("/echo?sleep=400"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      runtime.child.kill("SIGTERM");
      const res = await inFlight;
      assert.equal(res.status, 200);
      await res.body?.cancel();
      const status = await runtime.child.status;
      exited = true;
      assert.equal(status.code, 0);
      // The process has exited, but its last lines may still be in the pipe: read them all first.
      await runtime.drained;
      assert.ok(runtime.logs.some((line) => line.msg === "stopped"));
    });
  } finally {
    if (!exited) {
      runtime.child.kill("SIGKILL");
      await runtime.child.status;
    }
    await runtime.drained;
    Deno.removeSync(functionsDir, { recursive: true });
  }
});
