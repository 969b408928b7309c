/**
 * The local mail catcher: maildev (npm), a real SMTP server that keeps every
 * email it receives and shows them in a web UI with a REST API
 * (GET /email, GET /email/:id, DELETE /email/all). send-email delivers to it
 * over SMTP when no RESEND_API_KEY is set; nothing leaves the machine.
 *
 * Ports follow the profile's base (config.ts: mailSmtp, mailWeb), bound to
 * 127.0.0.1 only. Emails live in memory: a restart empties the inbox.
 */
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { StackConfig } from "../config.ts";
import { spawnLogged, waitFor } from "../proc.ts";

export function maildevEntry(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve("maildev/package.json"), "..", "bin", "maildev");
}

/** The web UI and REST API of the catcher. */
export const maildevUrl = (cfg: StackConfig) => `http://127.0.0.1:${cfg.ports.mailWeb}`;
/** What send-email gets as SMTP_URL. */
export const smtpUrl = (cfg: StackConfig) => `smtp://127.0.0.1:${cfg.ports.mailSmtp}`;

export async function startMaildev(cfg: StackConfig): Promise<ChildProcess> {
  const log = join(cfg.logDir, "maildev.log");
  const child = spawnLogged(
    process.execPath,
    [
      maildevEntry(),
      "--smtp", String(cfg.ports.mailSmtp),
      "--web", String(cfg.ports.mailWeb),
      "--ip", "127.0.0.1",
      "--web-ip", "127.0.0.1",
    ],
    log,
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" } },
  );
  await waitFor("maildev", async () => (await fetch(`${maildevUrl(cfg)}/email`)).ok, { timeoutMs: 30_000, logFile: log, child });
  return child;
}
