/**
 * The local stack's VAPID key pair (Web Push): generated once per state
 * directory, kept private on disk, valid P-256, handed to the functions runtime.
 */
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, LOCAL_DEV_JWT_SECRET } from "../config.ts";
import { apiKeys } from "../keys.ts";
import { functionsRuntimeEnv } from "./supervisor.ts";
import { ensureVapidKeys, LOCAL_DEV_VAPID_SUBJECT, VAPID_FILE } from "./vapid.ts";

const scratch = mkdtempSync(join(tmpdir(), "terrain-vapid-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const b64url = (text: string) => Buffer.from(text, "base64url");

describe("VAPID keys of the local stack", () => {
  it("are generated on first start into the state directory, readable by its owner only", () => {
    const dir = join(scratch, "first");
    const keys = ensureVapidKeys(dir);
    expect(statSync(join(dir, VAPID_FILE)).mode & 0o777).toBe(0o600);
    expect(keys.subject).toBe(LOCAL_DEV_VAPID_SUBJECT);
    // Uncompressed P-256 point (what a browser's applicationServerKey takes) and a 32-byte scalar.
    expect(b64url(keys.publicKey)).toHaveLength(65);
    expect(b64url(keys.publicKey)[0]).toBe(0x04);
    expect(b64url(keys.privateKey)).toHaveLength(32);
    expect(keys.publicKey).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("are one pair: what the private key signs, the public key verifies", () => {
    const keys = ensureVapidKeys(join(scratch, "pair"));
    const point = b64url(keys.publicKey);
    const jwk = { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") };
    const privateKey = createPrivateKey({ key: { ...jwk, d: keys.privateKey }, format: "jwk" });
    const signature = sign("sha256", Buffer.from("push"), privateKey);
    expect(verify("sha256", Buffer.from("push"), createPublicKey({ key: jwk, format: "jwk" }), signature)).toBe(true);
  });

  it("are kept across starts (browsers' subscriptions stay valid) and differ per state directory", () => {
    const first = ensureVapidKeys(join(scratch, "kept"));
    expect(ensureVapidKeys(join(scratch, "kept"))).toEqual(first);
    expect(ensureVapidKeys(join(scratch, "other")).privateKey).not.toBe(first.privateKey);
  });

  it("reach the functions runtime as VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT", async () => {
    const cfg = loadConfig("test", { stateDir: join(scratch, "runtime") });
    const vapid = ensureVapidKeys(cfg.stateDir);
    const env = functionsRuntimeEnv(cfg, await apiKeys(LOCAL_DEV_JWT_SECRET), { PATH: "/usr/bin" }, vapid);
    expect(env).toMatchObject({
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: vapid.subject,
    });
  });

});
