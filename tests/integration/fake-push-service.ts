/**
 * A local stand-in for a Web Push service (FCM, Mozilla autopush, …) and a
 * browser's side of the protocol, for the integration tests:
 *
 *   - an HTTPS server (certificate of npm test's throw-away CA, which the test
 *     stack's functions runtime trusts) that records every push request and
 *     answers each device with the status the test chose (201 by default);
 *   - a device: a P-256 key pair and an auth secret, as PushManager.subscribe()
 *     makes them, able to decrypt what it receives (RFC 8291, aes128gcm,
 *     implemented here with WebCrypto, independently of the sender's library);
 *   - the VAPID check a push service makes (RFC 8292): `Authorization: vapid
 *     t=<JWT>, k=<public key>`, an ES256 JWT verified with k.
 */
import { randomBytes, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { importJWK, jwtVerify, type JWTPayload } from "jose";
import { issueServerCertificate, type TestCa } from "../../scripts/stack/test-ca.ts";

const { subtle } = webcrypto;

export interface ReceivedPush {
  device: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FakePushService {
  origin: string;
  endpoint(device: string): string;
  received: ReceivedPush[];
  /** The status a device's endpoint answers (201 when not set). */
  answers: Map<string, number>;
  /** Headers a device's endpoint answers with (a 429's Retry-After). */
  answerHeaders: Map<string, Record<string, string>>;
  close(): Promise<void>;
}

/** The CA `npm test` made in the test profile's state directory (scripts/stack/test-ca.ts). */
export function testCa(stateDir: string): TestCa {
  const dir = join(stateDir, "test-ca");
  return { dir, certFile: join(dir, "ca.pem"), keyFile: join(dir, "ca.key") };
}

export async function startFakePushService(ca: TestCa): Promise<FakePushService> {
  const received: ReceivedPush[] = [];
  const answers = new Map<string, number>();
  const answerHeaders = new Map<string, Record<string, string>>();
  const server: Server = createServer(issueServerCertificate(ca, "fake-push-service"), (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const device = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "")?.[1];
      if (req.method !== "POST" || !device) {
        res.writeHead(400).end();
        return;
      }
      received.push({ device, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answers.get(device) ?? 201, { location: `/message/${received.length}`, ...answerHeaders.get(device) }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    endpoint: (device) => `${origin}/push/${device}`,
    received,
    answers,
    answerHeaders,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser's subscription keys: p256dh (uncompressed P-256 point) and auth (16 bytes), base64url. */
export interface Device {
  p256dh: string;
  auth: string;
  privateKey: webcrypto.CryptoKey;
}

export async function newDevice(): Promise<Device> {
  const pair = (await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as webcrypto.CryptoKeyPair;
  const publicRaw = Buffer.from(await subtle.exportKey("raw", pair.publicKey));
  return { p256dh: publicRaw.toString("base64url"), auth: randomBytes(16).toString("base64url"), privateKey: pair.privateKey };
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Buffer> {
  const key = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return Buffer.from(await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

/**
 * RFC 8291 §3–4 with RFC 8188's aes128gcm: header salt(16) | rs(4) | idlen(1)
 * | keyid (the sender's ephemeral public key), then one record sealed with a
 * CEK and nonce derived from the ECDH secret and the auth secret; the record
 * ends with the delimiter 0x02 and zero padding. Throws on anything else.
 */
export async function decryptPush(body: Buffer, device: Device): Promise<string> {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const senderPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (idLength !== 65 || senderPublic[0] !== 0x04) throw new Error(`keyid is not a P-256 point (${idLength} bytes)`);
  if (ciphertext.length > recordSize) throw new Error("more than one record: a push payload fits in one");

  const senderKey = await subtle.importKey("raw", senderPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ecdhSecret = Buffer.from(await subtle.deriveBits({ name: "ECDH", public: senderKey }, device.privateKey, 256));
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), Buffer.from(device.p256dh, "base64url"), senderPublic]);
  const ikm = await hkdf(Buffer.from(device.auth, "base64url"), ecdhSecret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, Buffer.from("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, Buffer.from("Content-Encoding: nonce\0"), 12);

  const aes = await subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const padded = Buffer.from(await subtle.decrypt({ name: "AES-GCM", iv: nonce, tagLength: 128 }, aes, ciphertext));
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw new Error("the record does not end with the last-record delimiter 0x02");
  return padded.subarray(0, end).toString("utf8");
}

/**
 * What a push service checks before accepting a request (RFC 8292 §2–3):
 * `vapid t=<JWT>, k=<key>`, the JWT signed ES256 by k and unexpired.
 * Returns the key and the claims for the caller's own assertions.
 */
export async function verifyVapid(authorization: string | undefined): Promise<{ k: string; claims: JWTPayload; alg: string }> {
  const match = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!match) throw new Error(`not a VAPID authorization: ${authorization}`);
  const [, token, k] = match as unknown as [string, string, string];
  const point = Buffer.from(k, "base64url");
  if (point.length !== 65 || point[0] !== 0x04) throw new Error("k is not an uncompressed P-256 point");
  const key = await importJWK(
    { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
    "ES256",
  );
  const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ["ES256"] });
  return { k, claims: payload, alg: protectedHeader.alg };
}

export const readJsonFile = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;
