/**
 * Web Push on this device: the browser's subscription (pushManager, with the
 * server's VAPID public key) and its registration with the server
 * (register_push_subscription / delete_push_subscription). The service worker
 * shows what arrives (public/push-sw.js). Loaded only by the notifications
 * screen and, when the device is subscribed, at app start.
 */
import type { TerrainClient } from "../supabase.ts";

export type PushSupport = "supported" | "unsupported";

export function pushSupport(): PushSupport {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof window !== "undefined" && "PushManager" in window && "Notification" in window
    ? "supported"
    : "unsupported";
}

export class PushPermissionError extends Error {
  override name = "PushPermissionError";
}

/**
 * What the browser itself could not do: give a subscription with its keys, or
 * subscribe at all (its push service unreachable, the worker gone). The
 * message stays in English for logs; the notifications screen says `failure`
 * in the technician's words (i18n/deviceFailures.ts).
 */
export type PushFailure = "no_keys" | "not_subscribed";
export class PushDeviceError extends Error {
  override name = "PushDeviceError";
  constructor(
    readonly failure: PushFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The server refused to register or forget the device: its catalogue code and message, shown as every refusal is. */
export class PushRefusedError extends Error {
  override name = "PushRefusedError";
  constructor(readonly refusal: { code?: string; message: string }) {
    super(refusal.message);
  }
}

/** The VAPID key as pushManager.subscribe takes it. */
export function vapidKeyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

export async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushSupport() === "unsupported") return null;
  return (await (await registration())?.pushManager.getSubscription()) ?? null;
}

/** Tells the server about this device's subscription (again: it refreshes its last_seen_at). */
export async function registerWithServer(supabase: TerrainClient, subscription: PushSubscription): Promise<void> {
  const { keys } = subscription.toJSON();
  if (!keys?.p256dh || !keys.auth) throw new PushDeviceError("no_keys", "The browser gave a subscription without keys");
  const { error } = await supabase.rpc("register_push_subscription", { p_endpoint: subscription.endpoint, p_p256dh: keys.p256dh, p_auth: keys.auth });
  if (error) throw new PushRefusedError(error);
}

function sameKey(subscription: PushSubscription, key: Uint8Array): boolean {
  const current = subscription.options.applicationServerKey;
  if (!current) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}

/** Asks the permission, subscribes with the VAPID key, registers with the server. */
export async function enablePush(supabase: TerrainClient, vapidPublicKey: string): Promise<PushSubscription> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new PushPermissionError(permission);
  const reg = await navigator.serviceWorker.ready;
  const key = vapidKeyBytes(vapidPublicKey);
  let subscription = await reg.pushManager.getSubscription();
  // A subscription made with another server key (the key was rotated) cannot receive: replace it.
  if (subscription && !sameKey(subscription, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    try {
      subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (cause) {
      throw new PushDeviceError("not_subscribed", "The browser could not subscribe to its push service", { cause });
    }
  }
  await registerWithServer(supabase, subscription);
  return subscription;
}

/** The server forgets the device first (that needs the network); then the browser drops the subscription. */
export async function disablePush(supabase: TerrainClient): Promise<void> {
  const subscription = await currentSubscription();
  if (!subscription) return;
  const { error } = await supabase.rpc("delete_push_subscription", { p_endpoint: subscription.endpoint });
  if (error) throw new PushRefusedError(error);
  await subscription.unsubscribe();
}

/**
 * At every app start of a subscribed device: the server purges devices not
 * registered for 90 days (some push services accept messages for dead ones).
 */
export async function reRegisterAtStart(supabase: TerrainClient): Promise<boolean> {
  if (pushSupport() === "unsupported" || Notification.permission !== "granted") return false;
  const subscription = await currentSubscription();
  if (!subscription) return false;
  await registerWithServer(supabase, subscription);
  return true;
}
