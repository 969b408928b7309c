/**
 * Email, end to end on the real stack:
 *   - send-email drains the queue into the stack's mail catcher (maildev,
 *     checked through its REST API): FR and EN alerts, List-Unsubscribe
 *     headers, escaping, no unsubscribe on critical emails;
 *   - the unsubscribe function: GET page changes nothing, one-click POST flips the preference;
 *   - the delivery dispatcher: a NOTIFY on terrain_deliveries makes it call send-email;
 *   - with RESEND_API_KEY: a second functions runtime pointed at a local fake
 *     Resend server (RESEND_BASE_URL) that checks the request as Resend does
 *     (Authorization: Bearer, Idempotency-Key, body fields): retries with
 *     backoff then failure for good, the same idempotency key on every replay,
 *     the invoice PDF attached (from the stack's invoice-pdf function, behind
 *     a local proxy that can fail it once) and the invoice marked sent;
 *     that runtime has no RESEND_WEBHOOK_SECRET: only resend-webhook fails to boot;
 *   - resend-webhook: valid Svix signature recorded, wrong or stale 401 and
 *     nothing recorded, a hard bounce suppresses the address.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, ROOT } from "../../scripts/stack/config.ts";
import { startDispatcher } from "../../scripts/stack/deliveries.ts";
import { localSecretsPath } from "../../scripts/stack/functions/local-secrets.ts";
import { ensureVapidKeys } from "../../scripts/stack/functions/vapid.ts";
import { denoBinary, functionsRuntimeArgs, functionsRuntimeEnv } from "../../scripts/stack/functions/supervisor.ts";
import { maildevUrl } from "../../scripts/stack/mail/maildev.ts";
import { requiredEnv, stack, withDb } from "./harness.ts";

const ORG_A = "a0000000-0000-4000-8000-0000000000a0";
const OWNER = "a0000000-0000-4000-8000-000000000001";
const TECH_1 = "a0000000-0000-4000-8000-000000000003"; // fr
const TECH_2 = "a0000000-0000-4000-8000-000000000004"; // en in this file
const CLIENT_C2 = "a0000000-0000-4000-8000-0000000000c2";
const RUN = randomUUID().slice(0, 8);

const cfg = loadConfig("test", { portBase: Number(new URL(stack.apiUrl).port), stateDir: requiredEnv("TERRAIN_STATE_DIR") });
const MAILDEV = maildevUrl(cfg);

interface MaildevEmail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  headers: Record<string, string>;
  attachments?: { fileName: string; contentType: string; length: number }[];
}

async function inbox(): Promise<MaildevEmail[]> {
  const res = await fetch(`${MAILDEV}/email`);
  expect(res.status).toBe(200);
  return (await res.json()) as MaildevEmail[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function sendEmail(base: string, key = stack.serviceRoleKey, body: unknown = { limit: 100 }) {
  const res = await fetch(`${base}/send-email`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, apikey: key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const gatewayFunctions = `${stack.apiUrl}/functions/v1`;

async function notify(user: string, type: string, params: Record<string, unknown>, key = `${type}:${randomUUID()}`) {
  return withDb(async (c) =>
    (await c.query(`select private.create_notification($1, $2, 'email', $3, null, null, $4, $5) as id`, [ORG_A, user, type, key, params]))
      .rows[0].id as string
  );
}

async function row(id: string) {
  return withDb(async (c) =>
    (await c.query(
      `select delivery_status, attempts, last_error, extract(epoch from next_attempt_at - now())::int as due_in from public.notifications where id = $1`,
      [id],
    )).rows[0] as { delivery_status: string; attempts: number; last_error: string | null; due_in: number | null }
  );
}

// Other suites' pending emails wait until this file is done, so the sends
// below handle this file's rows (and rows the every-minute alert job adds).
let parked: { id: string; next_attempt_at: Date }[] = [];
beforeAll(async () => {
  await withDb(async (c) => {
    await c.query(`update public.profiles set language = 'en' where id = $1`, [TECH_2]);
    parked = (await c.query(
      `update public.notifications n set next_attempt_at = now() + interval '1 day'
       from (select id, next_attempt_at from public.notifications where channel = 'email' and delivery_status = 'pending' for update) o
       where n.id = o.id returning o.id, o.next_attempt_at`,
    )).rows;
  });
});
afterAll(async () => {
  await withDb(async (c) => {
    await c.query(`update public.profiles set language = 'fr' where id = $1`, [TECH_2]);
    await c.query(`delete from public.notification_preferences where user_id = $1 and type = '*' and channel = 'email'`, [TECH_1]);
    await c.query(`delete from private.email_suppressions where event_id like $1`, [`msg_${RUN}_%`]);
    for (const p of parked) {
      await c.query(`update public.notifications set next_attempt_at = $2 where id = $1 and delivery_status = 'pending'`, [p.id, p.next_attempt_at]);
    }
  });
});

describe("send-email → maildev (no Resend key: the local mail catcher)", () => {
  let alertIds: string[] = [];
  const stockItem = `Vanne <b>${RUN}</b> & "co"`;

  it("an alert for a French and an English member arrives in their language, with no raw JSON", async () => {
    alertIds = await withDb(async (c) => {
      const entity = randomUUID();
      await c.query(
        `insert into public.alerts (org_id, alert_type, fingerprint, entity_table, entity_id, severity, details)
         values ($1, 'stock_critical', 'stock_critical:' || $2, 'public.stock_items', $2::uuid, 'critical', $3)`,
        [ORG_A, entity, { sku: `S-${RUN}`, name: stockItem, unit: "pcs", on_hand: 1, min_stock: 10 }],
      );
      await c.query(
        `select private.notify_alert(a, '{technician}', false, 'email-test:' || $2, false) from public.alerts a where a.entity_id = $1::uuid`,
        [entity, RUN],
      );
      return (await c.query(`select id from public.notifications where dedupe_key like $1 and channel = 'email'`, [`email-test:${RUN}:%`]))
        .rows.map((r) => r.id as string);
    });
    expect(alertIds).toHaveLength(2);

    const res = await sendEmail(gatewayFunctions);
    expect(res.status).toBe(200);
    for (const id of alertIds) expect(await row(id)).toMatchObject({ delivery_status: "sent" });

    const mine = (await inbox()).filter((m) => m.subject.includes(RUN));
    const fr = mine.find((m) => m.to[0]!.address === "tech1@chaleur-express.test")!;
    const en = mine.find((m) => m.to[0]!.address === "tech2@chaleur-express.test")!;
    expect(fr.subject).toBe(`Stock critique : ${stockItem}`);
    expect(fr.text).toContain(`Le stock de ${stockItem} est à 1 pcs (seuil 10).`);
    expect(en.subject).toBe(`Critical stock: ${stockItem}`);
    expect(en.text).toContain(`Stock of ${stockItem} is at 1 pcs (threshold 10).`);
    for (const m of [fr, en]) {
      expect(m.text).not.toMatch(/[{}]|"sku"|stock_critical/);
      // Every parameter is escaped in the HTML.
      expect(m.html).toContain(`Vanne &lt;b&gt;${RUN}&lt;/b&gt; &amp; &quot;co&quot;`);
      expect(m.html).not.toContain(`<b>${RUN}</b>`);
      expect(m.headers["x-notification-id"]).toMatch(/^[0-9a-f-]{36}$/);
      // Critical: no unsubscribe link.
      expect(m.headers).not.toHaveProperty("list-unsubscribe");
    }
  });

  it("a non-critical email carries List-Unsubscribe (the unsubscribe function) and List-Unsubscribe-Post one-click", async () => {
    const id = await notify(TECH_1, "mission_blocked", { mission: `Chaudière ${RUN}`, hours: 3, reason: "pièce manquante" });
    expect((await sendEmail(gatewayFunctions)).status).toBe(200);
    expect(await row(id)).toMatchObject({ delivery_status: "sent", attempts: 1 });
    const mail = await waitFor("the email in maildev", async () =>
      (await inbox()).find((m) => m.headers["x-notification-id"] === id)
    );
    expect(mail.subject).toBe(`Intervention bloquée : Chaudière ${RUN}`);
    expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    expect(mail.headers["list-unsubscribe"]).toMatch(
      new RegExp(`^<${stack.apiUrl}/functions/v1/unsubscribe\\?token=[0-9a-f]{64}>$`),
    );
    expect(mail.text).toContain("Se désabonner de ces emails: ");
  });

  it("unsubscribe: GET shows a page and changes nothing; the one-click POST turns email off; a bad token is 400", async () => {
    const id = await notify(TECH_1, "mission_blocked", { mission: `Unsub ${RUN}`, hours: 1, reason: "" });
    await sendEmail(gatewayFunctions);
    const mail = await waitFor("the email", async () => (await inbox()).find((m) => m.headers["x-notification-id"] === id));
    const link = /^<(.+)>$/.exec(mail.headers["list-unsubscribe"]!)![1]!;
    const prefs = () =>
      withDb(async (c) =>
        (await c.query(`select enabled from public.notification_preferences where user_id = $1 and type = '*' and channel = 'email'`, [TECH_1]))
          .rows
      );

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<form method="post"');
    expect(await prefs()).toEqual([]);

    const bad = await fetch(link.replace(/token=[0-9a-f]{4}/, "token=0000"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Invalid link");
    const malformed = await fetch(`${gatewayFunctions}/unsubscribe?token=nope`, { method: "POST" });
    expect(malformed.status).toBe(400);
    expect(await prefs()).toEqual([]);
    expect((await fetch(link, { method: "DELETE" })).status).toBe(405);

    const oneClick = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(await prefs()).toEqual([{ enabled: false }]);
    // Critical emails still go out; others are no longer queued.
    expect(await notify(TECH_1, "mission_blocked", { mission: "x", hours: 1, reason: "" })).toBeNull();
  });

  it("refuses callers other than the service role, other methods and a bad body", async () => {
    expect((await sendEmail(gatewayFunctions, stack.anonKey)).status).toBe(403);
    expect((await fetch(`${gatewayFunctions}/send-email`, { headers: { authorization: `Bearer ${stack.serviceRoleKey}` } })).status).toBe(405);
    const bad = await sendEmail(gatewayFunctions, stack.serviceRoleKey, { limit: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "validation_failed" } });
    const unknownField = await sendEmail(gatewayFunctions, stack.serviceRoleKey, { limit: 5, ids: ["x"] });
    expect(unknownField.status).toBe(400);
    const notJson = await fetch(`${gatewayFunctions}/send-email`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.serviceRoleKey}`, "content-type": "text/plain" },
      body: "limit=5",
    });
    expect(notJson.status).toBe(415);
    const noBody = await fetch(`${gatewayFunctions}/send-email`, { method: "POST", headers: { authorization: `Bearer ${stack.serviceRoleKey}` } });
    expect(noBody.status).toBe(200);
    expect(await noBody.json()).toMatchObject({ claimed: expect.any(Number), sent: expect.any(Number), failed: expect.any(Array) });
    const noAuth = await fetch(`${gatewayFunctions}/send-email`, { method: "POST" });
    expect(noAuth.status).toBe(401);
  });
});

describe("the delivery dispatcher", () => {
  it("LISTENs on terrain_deliveries and calls send-email; an unknown sender is logged, not fatal", async () => {
    const lines: string[] = [];
    const dispatcher = startDispatcher({ dbUrl: stack.dbUrl, apiUrl: stack.apiUrl, serviceRoleKey: stack.serviceRoleKey, log: (l) => lines.push(l) });
    try {
      await waitFor("listening", async () => (lines.some((l) => l.includes('"listening"')) ? true : undefined));
      await withDb((c) => c.query(`select pg_notify('terrain_deliveries', '{"push": 1, "sms": 1}')`));
      await waitFor("the push call", async () => (lines.some((l) => l.includes('"channel":"push"')) ? true : undefined));
      const id = await notify(TECH_2, "stock_critical", { item: `Dispatch ${RUN}`, quantity: 1, threshold: 5 });
      // What pg_cron does every minute.
      await withDb((c) => c.query(`select private.signal_due_notifications()`));
      await waitFor("the email in maildev", async () => (await inbox()).find((m) => m.headers["x-notification-id"] === id));
      expect(await row(id)).toMatchObject({ delivery_status: "sent" });
      expect(lines.some((l) => l.includes('"channel":"sms"'))).toBe(false);
      // The scheduled functions of the local stack run at start: the attachments clean-up.
      const cleanup = await waitFor("the attachments clean-up", async () =>
        lines.map((l) => JSON.parse(l)).find((l) => l.fn === "attachments" && l.channel === "scheduled"));
      expect(cleanup).toMatchObject({ msg: "sender ran" });
    } finally {
      await dispatcher.close();
    }
  });
});

// ---------------------------------------------------------------------------
// A second functions runtime: Resend (fake), the real invoice-pdf behind a fault-injecting proxy, no webhook secret.
// ---------------------------------------------------------------------------
const RESEND_KEY = "re_local_test_key";

interface ResendCall {
  auth: string | undefined;
  idempotencyKey: string | undefined;
  body: {
    from: string;
    to: string[];
    subject: string;
    html: string;
    text: string;
    headers?: Record<string, string>;
    tags?: { name: string; value: string }[];
    attachments?: { filename: string; content: string; content_type?: string }[];
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    // Bytes, decoded once: a chunk can end inside a multi-byte character (French text).
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("send-email with Resend (RESEND_API_KEY; a local fake Resend)", () => {
  const calls: ResendCall[] = [];
  let mode: "ok" | "fail" | "refuse" | "limit" = "ok";
  // Resend's idempotency: a key seen before with the same body answers the first answer again
  // (sent once); with another body, 409 invalid_idempotent_request (nothing sent).
  const firstBodyByKey = new Map<string, string>();
  const answerByKey = new Map<string, { id: string }>();
  let pdfOutages = 0;
  const pdfs = new Map<string, Buffer>();
  let resend: Server;
  let pdfProxy: Server;
  let runtime: ChildProcess;
  let base = "";

  beforeAll(async () => {
    resend = createServer(async (req, res) => {
      const raw = await readBody(req);
      const reply = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method !== "POST" || req.url !== "/emails") return reply(404, { statusCode: 404, name: "not_found", message: "no route" });
      if (req.headers.authorization !== `Bearer ${RESEND_KEY}`) {
        return reply(401, { statusCode: 401, name: "missing_api_key", message: "Missing API key" });
      }
      const body = JSON.parse(raw) as ResendCall["body"];
      const key = req.headers["idempotency-key"] as string | undefined;
      calls.push({ auth: req.headers.authorization, idempotencyKey: key, body });
      if (key) {
        const first = firstBodyByKey.get(key);
        if (first !== undefined && first !== raw) {
          return reply(409, { statusCode: 409, name: "invalid_idempotent_request", message: "Same idempotency key used with a different request payload." });
        }
        firstBodyByKey.set(key, raw);
        const earlier = answerByKey.get(key);
        if (earlier) return reply(200, earlier);
      }
      if (!body.from || !Array.isArray(body.to) || !body.subject || !(body.html || body.text)) {
        return reply(422, { statusCode: 422, name: "validation_error", message: "from, to, subject and html or text are required" });
      }
      if (mode === "refuse") return reply(422, { statusCode: 422, name: "validation_error", message: "Invalid `to` field." });
      if (mode === "limit") {
        res.setHeader("retry-after", "90");
        return reply(429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests." });
      }
      if (mode === "fail") return reply(500, { statusCode: 500, name: "application_error", message: "fake outage" });
      const answer = { id: randomUUID() };
      if (key) answerByKey.set(key, answer);
      return reply(200, answer);
    });
    // In front of the stack's real invoice-pdf function: forwards each call,
    // except that it can answer 503 (a PDF renderer outage) to test the retry.
    pdfProxy = createServer(async (req, res) => {
      const raw = await readBody(req);
      if (req.method !== "POST" || req.url !== "/functions/v1/invoice-pdf") return res.writeHead(404).end();
      if (pdfOutages > 0) {
        pdfOutages -= 1;
        return res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"code":"unavailable","message":"PDF renderer down"}}');
      }
      const upstream = await fetch(`${stack.apiUrl}/functions/v1/invoice-pdf`, {
        method: "POST",
        headers: {
          authorization: String(req.headers.authorization ?? ""),
          apikey: String(req.headers.apikey ?? ""),
          "content-type": String(req.headers["content-type"] ?? ""),
        },
        body: raw,
      });
      const bytes = Buffer.from(await upstream.arrayBuffer());
      if (upstream.status === 200) pdfs.set((JSON.parse(raw) as { invoice_id: string }).invoice_id, bytes);
      res.writeHead(upstream.status, {
        "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
        ...(upstream.headers.get("x-pdf-sha256") ? { "x-pdf-sha256": upstream.headers.get("x-pdf-sha256")! } : {}),
      }).end(bytes);
    });
    const resendUrl = await listen(resend);
    const pdfUrl = await listen(pdfProxy);
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const env: Record<string, string> = {
      ...functionsRuntimeEnv(cfg, { anonKey: stack.anonKey, serviceRoleKey: stack.serviceRoleKey }, process.env, ensureVapidKeys(cfg.stateDir)),
      FUNCTIONS_PORT: String(port),
      SUPABASE_URL: pdfUrl,
      RESEND_API_KEY: RESEND_KEY,
      RESEND_BASE_URL: resendUrl,
    };
    delete env.RESEND_WEBHOOK_SECRET;
    delete env.SMTP_URL;
    runtime = spawn(denoBinary(), functionsRuntimeArgs(), { cwd: ROOT, env, stdio: "ignore" });
    base = `http://127.0.0.1:${port}`;
    await waitFor("the second runtime", async () => {
      const res = await fetch(`${base}/_internal/health`).catch(() => undefined);
      return res?.ok ? true : undefined;
    }, 60_000);
  }, 90_000);

  afterAll(async () => {
    runtime?.kill("SIGTERM");
    await new Promise<void>((r) => resend?.close(() => r()));
    await new Promise<void>((r) => pdfProxy?.close(() => r()));
  });

  it("a missing RESEND_WEBHOOK_SECRET is a boot error of resend-webhook only", async () => {
    const status = (await (await fetch(`${base}/_internal/health`)).json()) as { functions: string[]; failed: string[]; boot_errors: Record<string, string> };
    expect(status.failed).toEqual(["resend-webhook"]);
    expect(status.boot_errors["resend-webhook"]).toMatch(/RESEND_WEBHOOK_SECRET \(missing\)/);
    expect(status.functions).toEqual(expect.arrayContaining(["send-email", "unsubscribe", "health"]));
    const res = await fetch(`${base}/resend-webhook`, { method: "POST", body: "{}" });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: "function_boot_error" } });
  });

  it("a provider failure is retried with backoff (1, 2, 4, 8 min), then failed for good; every replay has the same idempotency key", async () => {
    mode = "fail";
    const id = await notify(TECH_1, "stock_critical", { item: `Backoff ${RUN}`, quantity: 0, threshold: 2 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const res = await sendEmail(base);
      expect(res.status).toBe(200);
      expect(res.body.failed).toEqual(expect.arrayContaining([{ id, error: "resend: application_error: fake outage" }]));
      const r = await row(id);
      expect(r.attempts).toBe(attempt);
      if (attempt < 5) {
        expect(r.delivery_status).toBe("pending");
        delays.push(Math.round(r.due_in! / 60));
        // Time passes: the row is due again.
        await withDb((c) => c.query(`update public.notifications set next_attempt_at = now() where id = $1`, [id]));
      } else {
        expect(r).toMatchObject({ delivery_status: "failed", due_in: null, last_error: "resend: application_error: fake outage" });
      }
    }
    expect(delays).toEqual([1, 2, 4, 8]);
    const mine = calls.filter((c) => c.idempotencyKey === id);
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((c) => c.idempotencyKey))).toEqual(new Set([id]));
    expect(mine.every((c) => c.auth === `Bearer ${RESEND_KEY}`)).toBe(true);
    expect(await sendEmail(base).then((r) => (r.body.failed as { id: string }[]).some((f) => f.id === id))).toBe(false);
  });

  it("an email Resend refuses (422) is failed at once, not retried; a rate limit (429) is retried after its Retry-After", async () => {
    mode = "refuse";
    const refused = await notify(TECH_1, "stock_critical", { item: `Refused ${RUN}`, quantity: 0, threshold: 2 });
    const first = await sendEmail(base);
    expect(first.body.failed).toEqual(expect.arrayContaining([{ id: refused, error: "resend: validation_error: Invalid `to` field." }]));
    expect(await row(refused)).toMatchObject({ delivery_status: "failed", attempts: 1, due_in: null });

    mode = "limit";
    const limited = await notify(TECH_1, "stock_critical", { item: `Limited ${RUN}`, quantity: 0, threshold: 2 });
    await sendEmail(base);
    const r = await row(limited);
    expect(r).toMatchObject({ delivery_status: "pending", attempts: 1, last_error: "resend: rate_limit_exceeded: Too many requests." });
    // Due again when Resend said, not after the 1-minute backoff.
    expect(r.due_in).toBeGreaterThan(80);
    expect(r.due_in).toBeLessThanOrEqual(90);
    expect(calls.filter((c) => c.idempotencyKey === refused)).toHaveLength(1);
  });

  it("sends through Resend with the headers, tags and idempotency key; a replay after a lost answer reuses the key", async () => {
    mode = "ok";
    const id = await notify(TECH_2, "mission_blocked", { mission: `Resend ${RUN}`, hours: 2, reason: "" });
    expect((await sendEmail(base)).status).toBe(200);
    expect(await row(id)).toMatchObject({ delivery_status: "sent" });
    const call = calls.find((c) => c.idempotencyKey === id)!;
    expect(call.body).toMatchObject({
      to: ["tech2@chaleur-express.test"],
      subject: `Mission blocked: Resend ${RUN}`,
      tags: [{ name: "notification_id", value: id }],
    });
    expect(call.body.headers!["List-Unsubscribe"]).toMatch(/^<.+\/functions\/v1\/unsubscribe\?token=[0-9a-f]{64}>$/);
    expect(call.body.headers!["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(call.body.text).toContain("Unsubscribe from these emails");

    // The answer was lost (the function died before recording it): the row is claimed again and
    // replayed. Same key, same bytes (the unsubscribe link included), so Resend answers its first
    // answer again instead of refusing a different payload under the same key.
    await withDb((c) => c.query(`update public.notifications set delivery_status = 'pending', sent_at = null, next_attempt_at = now() where id = $1`, [id]));
    const replay = await sendEmail(base);
    expect(replay.body.failed).toEqual([]);
    expect(await row(id)).toMatchObject({ delivery_status: "sent" });
    const mine = calls.filter((c) => c.idempotencyKey === id);
    expect(mine).toHaveLength(2);
    expect(JSON.stringify(mine[1]!.body)).toBe(JSON.stringify(mine[0]!.body));
  });

  it("an invoice: a PDF failure leaves it queued; the retry sends it with the PDF attached and marks the invoice sent with its SHA-256", async () => {
    mode = "ok";
    pdfOutages = 1;
    // An invoice of its own, issued now (to the client of the demo's FAC-2026-00005): a seeded
    // invoice is sent once and for all, so a second run on the same database would find it sent.
    const invoice = await withDb(async (c) => {
      const id = randomUUID();
      await c.query(
        `insert into public.invoices (id, org_id, client_id, service_date)
         select $1, org_id, client_id, current_date - 1 from public.invoices where number = 'FAC-2026-00005' and org_id = $2`,
        [id, ORG_A],
      );
      await c.query(
        `insert into public.invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_cents, vat_rate)
         values ($1, $2, 1, 'Entretien annuel', 1, 15000, 20)`,
        [ORG_A, id],
      );
      await c.query("select public.issue_invoice($1)", [id]);
      return (await c.query(`select id, status, number from public.invoices where id = $1`, [id])).rows[0] as { id: string; status: string; number: string };
    });
    expect(invoice.status).toBe("issued");
    const id = await withDb(async (c) => (await c.query(`select public.send_invoice($1) as id`, [invoice.id])).rows[0].id as string);
    expect((await sendEmail(base)).status).toBe(200);
    const first = await row(id);
    expect(first).toMatchObject({ delivery_status: "pending", attempts: 1 });
    expect(first.last_error).toMatch(/^invoice-pdf answered 503/);
    expect(calls.some((c) => c.idempotencyKey === id)).toBe(false);
    expect(await withDb(async (c) => (await c.query(`select status from public.invoices where id = $1`, [invoice.id])).rows[0].status)).toBe("issued");

    await withDb((c) => c.query(`update public.notifications set next_attempt_at = now() where id = $1`, [id]));
    expect((await sendEmail(base)).status).toBe(200);
    expect(await row(id)).toMatchObject({ delivery_status: "sent", attempts: 2 });
    const call = calls.find((c) => c.idempotencyKey === id)!;
    expect(call.body.to).toEqual(["contact@boulangerie-pentes.test"]);
    expect(call.body.subject).toBe(`Chaleur Express : facture ${invoice.number}`);
    // Clients have no unsubscribe preference: a document, not a newsletter.
    expect(call.body.headers ?? {}).not.toHaveProperty("List-Unsubscribe");
    const pdf = pdfs.get(invoice.id)!;
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(call.body.attachments).toEqual([{ filename: `${invoice.number}.pdf`, content: pdf.toString("base64"), content_type: "application/pdf" }]);
    const after = await withDb(async (c) => (await c.query(`select status, pdf_sha256 from public.invoices where id = $1`, [invoice.id])).rows[0]);
    expect(after).toEqual({ status: "sent", pdf_sha256: createHash("sha256").update(pdf).digest("hex") });
    // The PDF sent is the PDF stored by invoice-pdf.
    const stored = await withDb(async (c) =>
      (await c.query(`select encode(extensions.digest(p.pdf, 'sha256'), 'hex') as sha from public.invoice_pdfs p where p.invoice_id = $1`, [invoice.id])).rows
    );
    expect(stored).toEqual([{ sha: createHash("sha256").update(pdf).digest("hex") }]);
    // Sending again: the same email (sent), not a second one.
    const again = await withDb(async (c) => (await c.query(`select public.send_invoice($1) as id`, [invoice.id])).rows[0].id);
    expect(again).toBe(id);
    expect(await row(id)).toMatchObject({ delivery_status: "sent" });
  });
});

// ---------------------------------------------------------------------------
// resend-webhook (through the gateway; the stack's generated local secret)
// ---------------------------------------------------------------------------
describe("resend-webhook", () => {
  const secret = (JSON.parse(readFileSync(localSecretsPath(cfg), "utf8")) as { RESEND_WEBHOOK_SECRET: string }).RESEND_WEBHOOK_SECRET;
  const sign = (id: string, ts: number, body: string, key = secret) =>
    `v1,${createHmac("sha256", Buffer.from(key.slice("whsec_".length), "base64")).update(`${id}.${ts}.${body}`).digest("base64")}`;
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${gatewayFunctions}/resend-webhook`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const events = (id: string) =>
    withDb(async (c) => (await c.query(`select type, email from private.email_events where id = $1`, [id])).rows);
  const now = () => Math.floor(Date.now() / 1000);

  it("records a validly signed event once (a retried delivery is a duplicate)", async () => {
    const id = `msg_${RUN}_delivered`;
    const body = JSON.stringify({ type: "email.delivered", created_at: new Date().toISOString(), data: { to: ["tech1@chaleur-express.test"], email_id: "e1" } });
    const headers = { "svix-id": id, "svix-timestamp": String(now()), "svix-signature": sign(id, now(), body) };
    const res = await post(body, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ recorded: true, duplicate: false, suppressed: [] });
    expect(await events(id)).toEqual([{ type: "email.delivered", email: "tech1@chaleur-express.test" }]);
    const replay = await post(body, headers);
    expect(await replay.json()).toEqual({ recorded: false, duplicate: true, suppressed: [] });
  });

  it("a wrong signature, another secret, a stale or future timestamp, or no headers: 401 and nothing recorded", async () => {
    const id = `msg_${RUN}_forged`;
    const body = JSON.stringify({ type: "email.bounced", data: { to: ["tech1@chaleur-express.test"], bounce: { type: "Permanent" } } });
    const other = `whsec_${Buffer.from(randomUUID()).toString("base64")}`;
    const cases: Record<string, string>[] = [
      { "svix-id": id, "svix-timestamp": String(now()), "svix-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
      { "svix-id": id, "svix-timestamp": String(now()), "svix-signature": sign(id, now(), body, other) },
      { "svix-id": id, "svix-timestamp": String(now() - 6 * 60), "svix-signature": sign(id, now() - 6 * 60, body) },
      { "svix-id": id, "svix-timestamp": String(now() + 6 * 60), "svix-signature": sign(id, now() + 6 * 60, body) },
      { "svix-id": id, "svix-timestamp": String(now()), "svix-signature": sign(id, now(), body + " ") },
      {},
    ];
    for (const headers of cases) {
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_signature" } });
    }
    expect(await events(id)).toEqual([]);
    expect(await withDb(async (c) => (await c.query(`select public.email_suppression('tech1@chaleur-express.test') as r`)).rows[0].r)).toBeNull();
  });

  it("a hard bounce suppresses the address: the next email to it is never sent", async () => {
    const id = `msg_${RUN}_bounce`;
    const body = JSON.stringify({ type: "email.bounced", data: { to: ["tech2@chaleur-express.test"], bounce: { type: "Permanent", subType: "General" } } });
    const res = await post(body, { "svix-id": id, "svix-timestamp": String(now()), "svix-signature": sign(id, now(), body) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ recorded: true, duplicate: false, suppressed: ["tech2@chaleur-express.test"] });

    const n = await notify(TECH_2, "stock_critical", { item: `Suppressed ${RUN}`, quantity: 0, threshold: 1 });
    await sendEmail(gatewayFunctions);
    expect(await row(n)).toMatchObject({ delivery_status: "failed", last_error: "suppressed: hard_bounce" });
    expect((await inbox()).some((m) => m.headers["x-notification-id"] === n)).toBe(false);
  });

  it("refuses other methods and a signed body that is not an event", async () => {
    expect((await fetch(`${gatewayFunctions}/resend-webhook`)).status).toBe(405);
    const id = `msg_${RUN}_junk`;
    const body = JSON.stringify({ hello: "world" });
    const res = await post(body, { "svix-id": id, "svix-timestamp": String(now()), "svix-signature": sign(id, now(), body) });
    expect(res.status).toBe(400);
    expect(await events(id)).toEqual([]);
  });
});
