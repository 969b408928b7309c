/**
 * The VAPID key pair (RFC 8292) the local stack's `push` function signs Web
 * Push requests with, and whose public key browsers subscribe with
 * (`applicationServerKey`, served to the web app in /config.json).
 *
 * LOCAL DEVELOPMENT ONLY: generated on the first start of a profile into its
 * state directory (mode 600, never committed) and kept there, so subscriptions
 * made by a browser stay valid across restarts. A deployed project sets its
 * own VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT as function secrets.
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDir } from "../config.ts";

/** base64url, as browsers and web-push take VAPID keys. */
export interface VapidKeys {
  /** Uncompressed P-256 point, 65 bytes. */
  publicKey: string;
  /** The private scalar, 32 bytes. */
  privateKey: string;
  /** Who push services may contact about this sender (a mailto: or https: URL). */
  subject: string;
}

export const VAPID_FILE = "vapid.json";
/** LOCAL DEVELOPMENT DEFAULT: a reserved domain, nobody answers there. */
export const LOCAL_DEV_VAPID_SUBJECT = "mailto:push@terrain.example";

export function generateVapidKeys(subject = LOCAL_DEV_VAPID_SUBJECT): VapidKeys {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pub = publicKey.export({ format: "jwk" });
  const priv = privateKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(pub.x!, "base64url"), Buffer.from(pub.y!, "base64url")]);
  return { publicKey: point.toString("base64url"), privateKey: priv.d!, subject };
}

/** The profile's key pair: read from `<stateDir>/vapid.json`, or generated and written there first. */
export function ensureVapidKeys(stateDir: string): VapidKeys {
  const file = join(ensureDir(stateDir), VAPID_FILE);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as VapidKeys;
  const keys = generateVapidKeys();
  // "wx": a concurrent first start cannot overwrite a pair already handed out.
  writeFileSync(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  return keys;
}
