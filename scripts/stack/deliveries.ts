/**
 * The local delivery dispatcher: what wakes the senders on this machine.
 *
 * A statement that queues email or push rows NOTIFYs `terrain_deliveries`
 * at commit (trigger notifications_signal_queued), and pg_cron runs
 * private.signal_due_notifications() every minute for retries and leases that
 * fell due; both send the due rows per channel ({"email": 3}). This
 * service LISTENs on that channel and POSTs /functions/v1/<sender> through
 * the gateway with the service-role key, one call in flight per channel (a
 * signal during a call runs one more call after it). It also kicks once at
 * start, so emails queued while the stack was down go out at once.
 *
 * In production there is no listener: pg_cron calls the functions itself
 * with pg_net (`net.http_post` to <project>/functions/v1/send-email, the key
 * from Vault), as Supabase documents for scheduled functions. pg_net is not
 * available locally, hence this service.
 *
 * The same service runs the local stack's scheduled functions (SCHEDULED):
 * the attachments clean-up, at start and hourly, and the removal of revoked
 * invitations' accounts, at start and every five minutes — in production
 * pg_cron jobs call them through pg_net.
 *
 * A sender that does not exist yet (404) is logged, not fatal. A lost
 * connection (db reset) is retried every 2 s.
 */
import pg from "pg";

/** Channel of the queue → the function that delivers it. */
export const SENDERS: Readonly<Record<string, string>> = { email: "send-email", push: "push" };

/** Functions the local stack calls on a schedule (production: pg_cron + pg_net). */
export const SCHEDULED: ReadonlyArray<{ fn: string; body: Record<string, unknown>; everyMs: number }> = [
  // Uploads never finalized and objects without a row, older than 24 hours.
  { fn: "attachments", body: { action: "cleanup" }, everyMs: 60 * 60 * 1000 },
  // Accounts of revoked invitations still banned and queued (the RPC called directly, or a failed deletion).
  { fn: "invite-member/remove-revoked-accounts", body: {}, everyMs: 5 * 60 * 1000 },
];

export interface DispatcherOptions {
  dbUrl: string;
  apiUrl: string;
  serviceRoleKey: string;
  log: (line: string) => void;
}

export interface Dispatcher {
  /** Asks the database to signal what is due now (as pg_cron does every minute). */
  kick(): Promise<void>;
  close(): Promise<void>;
}

export function startDispatcher(opts: DispatcherOptions): Dispatcher {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const inFlight = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const log = (msg: string, extra: Record<string, unknown> = {}) =>
    opts.log(JSON.stringify({ ts: new Date().toISOString(), svc: "deliveries", msg, ...extra }));

  async function call(channel: string, fn: string, body: Record<string, unknown> = {}): Promise<void> {
    try {
      const res = await fetch(`${opts.apiUrl}/functions/v1/${fn}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${opts.serviceRoleKey}`,
          apikey: opts.serviceRoleKey,
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status === 404) log("sender not deployed (yet): skipped", { channel, fn });
      else if (!res.ok) log("sender failed", { channel, fn, status: res.status, body: text.slice(0, 300) });
      else log("sender ran", { channel, fn, result: safeJson(text) });
    } catch (error) {
      log("sender unreachable", { channel, fn, error: error instanceof Error ? error.message : String(error) });
    }
  }

  function dispatch(channel: string): void {
    const fn = SENDERS[channel];
    if (!fn || closed) return;
    if (inFlight.has(channel)) {
      again.add(channel);
      return;
    }
    const run = call(channel, fn).finally(() => {
      inFlight.delete(channel);
      if (again.delete(channel)) dispatch(channel);
    });
    inFlight.set(channel, run);
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({ connectionString: opts.dbUrl, application_name: "terrain-deliveries" });
    c.on("notification", (msg) => {
      if (msg.channel !== "terrain_deliveries") return;
      const due = safeJson(msg.payload ?? "{}");
      if (due && typeof due === "object") {
        for (const [channel, count] of Object.entries(due)) if (Number(count) > 0) dispatch(channel);
      }
    });
    c.on("error", (err) => {
      log("connection lost", { error: err.message });
      scheduleReconnect();
    });
    try {
      await c.connect();
      await c.query("listen terrain_deliveries");
      client = c;
      log("listening", { channel: "terrain_deliveries" });
      await kick();
    } catch (error) {
      log("cannot listen yet", { error: error instanceof Error ? error.message : String(error) });
      await c.end().catch(() => undefined);
      scheduleReconnect();
    }
  }

  function scheduleReconnect(): void {
    const stale = client;
    client = undefined;
    void stale?.end().catch(() => undefined);
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, 2_000);
  }

  async function kick(): Promise<void> {
    // The same signal pg_cron sends: a NOTIFY per round with what is due.
    await client?.query("select private.signal_due_notifications()").catch((error: Error) =>
      log("kick failed", { error: error.message })
    );
  }

  void connect();
  const timers = SCHEDULED.map(({ fn, body, everyMs }) => {
    const run = () => void call("scheduled", fn, body);
    run();
    return setInterval(run, everyMs).unref();
  });

  return {
    kick,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      for (const timer of timers) clearInterval(timer);
      await client?.end().catch(() => undefined);
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 300);
  }
}
