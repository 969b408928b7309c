/**
 * The push function's secrets are checked when it boots: a missing or
 * malformed VAPID variable is a boot error of `push` alone, naming the
 * variables and never their values.
 */
import assert from "node:assert/strict";
import { EnvError } from "../_shared/env.ts";
import {
  type PushMessage,
  type PushOutcome,
  readVapidEnv,
  retryAfterSeconds,
  webPushSender,
} from "./web_push.ts";

// A valid P-256 pair made for this test (node:crypto); test data only.
const PUBLIC_KEY =
  "BIX-qm5QOXBlgIF6vO4IpUEZ2nDFprBfuK1-Q4sY56LagKtl37AuAziN6mYy_parVXOdONc9lZKV6xIcffvEquw";
const PRIVATE_KEY = "Ja_54PWq6ZFB3ZnpPcOqgjdYWMpsq8TwV0p6ltmspac";

Deno.test("VAPID env: all three variables, well formed", () => {
  const env = readVapidEnv({
    VAPID_PUBLIC_KEY: PUBLIC_KEY,
    VAPID_PRIVATE_KEY: PRIVATE_KEY,
    VAPID_SUBJECT: "mailto:ops@example.com",
  });
  assert.equal(env.VAPID_PUBLIC_KEY, PUBLIC_KEY);
  assert.equal(env.VAPID_SUBJECT, "mailto:ops@example.com");
  assert.doesNotThrow(() =>
    readVapidEnv({
      VAPID_PUBLIC_KEY: PUBLIC_KEY,
      VAPID_PRIVATE_KEY: PRIVATE_KEY,
      VAPID_SUBJECT: "https://terrain.example",
    })
  );
});

Deno.test("VAPID env: missing variables are one boot error naming each of them", () => {
  assert.throws(
    () => readVapidEnv({}),
    (error: unknown) =>
      error instanceof EnvError &&
      /VAPID_PUBLIC_KEY \(missing\)/.test(error.message) &&
      /VAPID_PRIVATE_KEY \(missing\)/.test(error.message) &&
      /VAPID_SUBJECT \(missing\)/.test(error.message),
  );
});

Deno.test("VAPID env: malformed keys and subject are refused without echoing the values", () => {
  const cases: Record<string, string>[] = [
    { VAPID_PUBLIC_KEY: PRIVATE_KEY }, // 32 bytes: not a public point
    { VAPID_PUBLIC_KEY: "B" + PUBLIC_KEY.slice(1, -1) + "*" }, // not base64url
    { VAPID_PRIVATE_KEY: PUBLIC_KEY }, // 65 bytes: not a private scalar
    { VAPID_SUBJECT: "ops@example.com" }, // neither mailto: nor https:
    { VAPID_SUBJECT: "http://terrain.example" },
  ];
  for (const override of cases) {
    const [name, value] = Object.entries(override)[0]!;
    assert.throws(
      () =>
        readVapidEnv({
          VAPID_PUBLIC_KEY: PUBLIC_KEY,
          VAPID_PRIVATE_KEY: PRIVATE_KEY,
          VAPID_SUBJECT: "mailto:ops@example.com",
          ...override,
        }),
      (error: unknown) =>
        error instanceof EnvError && error.message.includes(name!) &&
        !error.message.includes(value!),
      `${name} = ${value}`,
    );
  }
});

// ---------------------------------------------------------------------------
// What a push service's answer means: a local push service (Deno.serve on
// 127.0.0.1) checks each request as a real one would (POST, aes128gcm body,
// TTL, a VAPID ES256 JWT verified with the key it carries) and answers the
// status the test chose.
// ---------------------------------------------------------------------------

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** A browser's subscription keys, as PushManager.subscribe() makes them. */
async function deviceKeys() {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { p256dh: b64url(raw), auth: b64url(crypto.getRandomValues(new Uint8Array(16))) };
}

/** RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; the JWT is verified with k. */
async function vapidProblem(
  authorization: string | null,
  audience: string,
): Promise<string | null> {
  const m = /^vapid t=([^,]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!m) return "no VAPID authorization";
  const [header, payload, signature] = m[1]!.split(".");
  const key = await crypto.subtle.importKey(
    "raw",
    fromB64url(m[2]!),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const signed = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromB64url(signature!),
    new TextEncoder().encode(`${header}.${payload}`),
  );
  if (!signed) return "bad signature";
  const claims = JSON.parse(new TextDecoder().decode(fromB64url(payload!)));
  if (claims.aud !== audience) return `aud ${claims.aud}`;
  if (m[2] !== PUBLIC_KEY) return "another key";
  return null;
}

async function withPushService(
  answer: (device: string) => { status: number; headers?: Record<string, string> },
  run: (origin: string, problems: string[]) => Promise<void>,
) {
  const problems: string[] = [];
  let origin = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const device = new URL(req.url).pathname.split("/").pop()!;
    const body = new Uint8Array(await req.arrayBuffer());
    const problem = req.method !== "POST"
      ? "not POST"
      : req.headers.get("content-encoding") !== "aes128gcm"
      ? "not aes128gcm"
      : !req.headers.get("ttl")
      ? "no TTL"
      : body.length < 86 // aes128gcm header (86 bytes with a P-256 key id) + ciphertext
      ? "no encrypted body"
      : await vapidProblem(req.headers.get("authorization"), origin);
    if (problem) {
      problems.push(`${device}: ${problem}`);
      return new Response(null, { status: 400 });
    }
    const { status, headers } = answer(device);
    return new Response(null, { status, headers });
  });
  origin = `http://127.0.0.1:${server.addr.port}`;
  try {
    await run(origin, problems);
  } finally {
    await server.shutdown();
  }
}

const sender = webPushSender({
  VAPID_PUBLIC_KEY: PUBLIC_KEY,
  VAPID_PRIVATE_KEY: PRIVATE_KEY,
  VAPID_SUBJECT: "mailto:ops@example.com",
});
const message: PushMessage = {
  payload: { id: "n1", title: "t" },
  ttl_seconds: 86400,
  urgency: "normal",
};

Deno.test("push service answers: each status maps to delivered, gone, rejected (no retry) or failed (retry)", async () => {
  const retryAt = new Date(Date.now() + 90_000).toUTCString();
  const cases: [string, { status: number; headers?: Record<string, string> }, PushOutcome][] = [
    ["created", { status: 201 }, { kind: "delivered", status: 201 }],
    ["notfound", { status: 404 }, { kind: "gone", status: 404 }],
    ["gone", { status: 410 }, { kind: "gone", status: 410 }],
    ["toolarge", { status: 413 }, {
      kind: "rejected",
      status: 413,
      configurationError: false,
      reason: "push service ORIGIN answered HTTP 413 (payload too large)",
    }],
    ...[400, 401, 403].map((status): [string, { status: number }, PushOutcome] => [
      `refused${status}`,
      { status },
      {
        kind: "rejected",
        status,
        configurationError: true,
        reason:
          `push service ORIGIN answered HTTP ${status} (request or VAPID signature refused: check the VAPID keys and subject)`,
      },
    ]),
    ["limited", { status: 429, headers: { "retry-after": "120" } }, {
      kind: "failed",
      reason: "push service ORIGIN answered HTTP 429 (rate-limited, retry after 120 s)",
      retryAfterSeconds: 120,
    }],
    ["limitednowait", { status: 429 }, {
      kind: "failed",
      reason: "push service ORIGIN answered HTTP 429 (rate-limited)",
    }],
    ["down", { status: 503 }, { kind: "failed", reason: "push service ORIGIN answered HTTP 503" }],
    ["broken", { status: 500 }, {
      kind: "failed",
      reason: "push service ORIGIN answered HTTP 500",
    }],
    ["slow", { status: 408 }, { kind: "failed", reason: "push service ORIGIN answered HTTP 408" }],
  ];
  const answers = new Map(cases.map(([device, answer]) => [device, answer]));
  answers.set("limiteddate", { status: 429, headers: { "retry-after": retryAt } });
  await withPushService((device) => answers.get(device)!, async (origin, problems) => {
    for (const [device, , expected] of cases) {
      const outcome = await sender({
        endpoint: `${origin}/push/${device}`,
        ...(await deviceKeys()),
      }, message);
      const want = "reason" in expected
        ? { ...expected, reason: expected.reason.replace("ORIGIN", origin) }
        : expected;
      assert.deepEqual(outcome, want, device);
      // The endpoint's path is the device's capability URL: never in a reason.
      assert.ok(!JSON.stringify(outcome).includes(`/push/${device}`), device);
    }
    const dated = await sender(
      { endpoint: `${origin}/push/limiteddate`, ...(await deviceKeys()) },
      message,
    );
    assert.equal(dated.kind, "failed");
    const wait = dated.kind === "failed" ? dated.retryAfterSeconds! : 0;
    assert.ok(wait > 80 && wait <= 90, `Retry-After as an HTTP date: ${wait} s`);
    assert.deepEqual(problems, [], "every request was a valid Web Push request");
  });
});

Deno.test("a push service that cannot be reached is a failed attempt, retried", async () => {
  let origin = "";
  // A port a push service listened on, closed by now.
  await withPushService(() => ({ status: 201 }), (o) => {
    origin = o;
    return Promise.resolve();
  });
  const outcome = await sender(
    { endpoint: `${origin}/push/nobody`, ...(await deviceKeys()) },
    message,
  );
  assert.equal(outcome.kind, "failed");
  assert.match(outcome.kind === "failed" ? outcome.reason : "", /unreachable/);
});

Deno.test("Retry-After: seconds or an HTTP date, never negative; unreadable is none", () => {
  const now = Date.parse("2026-12-03T10:00:00Z");
  assert.equal(retryAfterSeconds("120", now), 120);
  assert.equal(retryAfterSeconds(" 0 ", now), 0);
  assert.equal(retryAfterSeconds("Thu, 03 Dec 2026 10:05:00 GMT", now), 300);
  assert.equal(retryAfterSeconds("Thu, 03 Dec 2026 09:00:00 GMT", now), 0);
  assert.equal(retryAfterSeconds("99999999999999", now), 2 ** 31 - 1);
  assert.equal(retryAfterSeconds(null, now), undefined);
  assert.equal(retryAfterSeconds("soon", now), undefined);
  assert.equal(retryAfterSeconds("-5", now), undefined);
});
