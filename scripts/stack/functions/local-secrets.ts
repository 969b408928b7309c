/**
 * Secrets the functions need that have no fixed local default: generated on
 * the first start of a profile into its state directory (never committed,
 * never printed), then reused, so a webhook signed by a local tool keeps
 * verifying across restarts. LOCAL DEVELOPMENT ONLY: production secrets are
 * set with `supabase secrets set`.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDir, type StackConfig } from "../config.ts";

export interface LocalSecrets {
  /** Signing secret of the resend-webhook function (Standard Webhooks: whsec_<base64>). */
  RESEND_WEBHOOK_SECRET: string;
}

export const localSecretsPath = (cfg: StackConfig) => join(cfg.stateDir, "local-secrets.json");

export function localSecrets(cfg: StackConfig): LocalSecrets {
  const file = localSecretsPath(cfg);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
    if (saved.RESEND_WEBHOOK_SECRET) return { RESEND_WEBHOOK_SECRET: saved.RESEND_WEBHOOK_SECRET };
  }
  const secrets: LocalSecrets = { RESEND_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString("base64")}` };
  ensureDir(cfg.stateDir);
  writeFileSync(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
  return secrets;
}
