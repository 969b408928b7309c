/**
 * Photos, the client's signature and the Web Push opt-in, in Debian's Chromium
 * against the real stack (gateway, attachments function, Storage stand-in,
 * PostgreSQL).
 *
 * A technician accepts and starts a mission, goes offline, takes a photo (the
 * file input gets a 2000×1500 PNG of noise drawn in the page, the kind of file
 * that does not compress well) and has the client sign; both wait in the
 * outbox, survive a reload, and nothing reaches the server. Back online, the
 * first finalize reply is lost on the way (the server recorded it, the browser
 * saw a reset connection): the upload is replayed with the same upload_id and
 * each attachment exists exactly once, ready, with its SHA-256 — the photo a
 * JPEG under 1 MB, the signature a PNG. Thumbnails come back signed. Then the
 * notifications screen's push switch. axe-core runs on every new screen.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { stack, supabaseClient, withDb } from "../integration/harness.ts";
import { launchBrowser, phoneContext, screenshot, seriousAxeViolations } from "./browser.ts";

const ORG = "a0000000-0000-4000-8000-0000000000a0"; // Chaleur Express (supabase/seeds)
const CLIENT = "a0000000-0000-4000-8000-0000000000c1";
const SITE = "a0000000-0000-4000-8000-0000000000d1";
const run = randomUUID().slice(0, 8);
const TECH_EMAIL = `tech-photos-${run}@chaleur-express.test`;
const PASSWORD = `photos-${run}-secret`;
const missionTitle = `Remplacement chaudière ${run}`;
let missionId: string;
let techId: string;

let browser: Browser;
let context: BrowserContext;
let page: Page;
const axeReport: Record<string, number> = {};

async function expectNoSeriousAxeViolations(screen: string) {
  const violations = await seriousAxeViolations(page);
  axeReport[screen] = violations.length;
  expect(violations, `${screen}: ${JSON.stringify(violations)}`).toEqual([]);
  const widths = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.content, `${screen} is wider than the phone`).toBeLessThanOrEqual(widths.viewport);
}

const offlineBanner = () => page.getByTestId("offline-banner").textContent();

interface AttachmentRow {
  upload_id: string;
  mime: string;
  size_bytes: string;
  sha256: string | null;
  status: string;
  original_name: string;
  object_path: string;
}

const attachmentRows = () =>
  withDb(async (db) =>
    (
      await db.query<AttachmentRow>(
        `select upload_id::text, mime, size_bytes::text, sha256, status, original_name, object_path
           from public.attachments where owner_type = 'mission_photo' and owner_id = $1 order by mime`,
        [missionId],
      )
    ).rows,
  );

beforeAll(async () => {
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email: TECH_EMAIL, password: PASSWORD, email_confirm: true });
  if (created.error) throw created.error;
  techId = created.data.user.id;
  await withDb(async (db) => {
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'technician')", [ORG, techId]);
    missionId = (
      await db.query<{ id: string }>(
        `insert into public.missions (org_id, client_id, site_id, title, description, scheduled_start)
         values ($1, $2, $3, $4, 'Chaudière en panne, photos avant/après demandées.', now() + interval '1 hour') returning id`,
        [ORG, CLIENT, SITE, missionTitle],
      )
    ).rows[0]!.id;
    await db.query("select public.transition_mission($1, 'published', $2)", [missionId, `photos-publish-${run}`]);
  });
  browser = await launchBrowser();
  context = await phoneContext(browser, stack.apiUrl);
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  console.log(`axe (serious + critical violations per screen): ${JSON.stringify(axeReport)}`);
});

describe("photos and signature", () => {
  it("signs in, accepts and starts the mission online", async () => {
    await page.goto("/");
    await page.getByLabel("E-mail").fill(TECH_EMAIL);
    await page.getByLabel("Mot de passe").fill(PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.getByRole("link", { name: new RegExp(missionTitle) }).click();
    await page.getByRole("heading", { name: missionTitle }).waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    // Photos and signature belong to a mission of one's own: not offered on the pool's.
    expect(await page.getByTestId("mission-photos").count()).toBe(0);
    await page.getByRole("button", { name: "Accepter la mission" }).click();
    await page.getByRole("button", { name: "Démarrer" }).click();
    await expect
      .poll(() => withDb(async (db) => (await db.query<{ status: string }>("select status::text from public.missions where id = $1", [missionId])).rows[0]!.status))
      .toBe("in_progress");
    await page.getByTestId("mission-photos").waitFor();
    await page.getByText("Aucune photo.").waitFor();
    await expectNoSeriousAxeViolations("mission (photos, signature: empty)");
  });

  it("offline: a photo is shrunk and queued, the client signs, both survive a reload, nothing is sent", async () => {
    await context.setOffline(true);
    await expect.poll(offlineBanner).toContain("Hors ligne");

    const input = page.locator('input[type="file"]');
    expect(await input.getAttribute("capture")).toBe("environment");
    expect(await input.getAttribute("accept")).toBe("image/*");
    // A camera-sized picture of noise, drawn in the page: a PNG of several MB that JPEG cannot shrink much.
    const png = await page.evaluate(async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 2000;
      canvas.height = 1500;
      const ctx = canvas.getContext("2d")!;
      const image = ctx.createImageData(canvas.width, canvas.height);
      let seed = 42;
      for (let i = 0; i < image.data.length; i += 4) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        image.data[i] = seed & 255;
        image.data[i + 1] = (seed >> 8) & 255;
        image.data[i + 2] = (seed >> 16) & 255;
        image.data[i + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(binary);
    });
    const fixture = Buffer.from(png, "base64");
    expect(fixture.length).toBeGreaterThan(1_000_000);
    await input.setInputFiles({ name: "IMG_0001.png", mimeType: "image/png", buffer: fixture });
    await page.getByText("Photo enregistrée sur l'appareil.").waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByRole("img", { name: "Photo en attente d'envoi" }).count()).toBe(1);

    // The client signs: three strokes with the pointer, then "Enregistrer la signature".
    const save = page.getByRole("button", { name: "Enregistrer la signature" });
    expect(await save.isDisabled()).toBe(true);
    const pad = page.getByRole("img", { name: "Cadre de signature du client" });
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    for (const [x0, y0, x1, y1] of [[0.1, 0.6, 0.4, 0.3], [0.4, 0.3, 0.6, 0.7], [0.6, 0.7, 0.9, 0.4]] as const) {
      await page.mouse.move(box.x + box.width * x0, box.y + box.height * y0);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * x1, box.y + box.height * y1, { steps: 8 });
      await page.mouse.up();
    }
    // Clear and Save are buttons: reachable from the keyboard.
    await save.focus();
    await page.keyboard.press("Enter");
    await page.getByText("Signature enregistrée sur l'appareil.").waitFor();
    await page.getByText("Signature en attente d'envoi").waitFor();
    await expect.poll(offlineBanner).toBe("Hors ligne · 2 actions en attente");
    await expectNoSeriousAxeViolations("mission (photo and signature pending, offline)");
    await screenshot(page, "11-mission-photo-signature-offline");

    await page.reload();
    await page.getByRole("heading", { name: missionTitle }).waitFor();
    await expect.poll(() => page.getByRole("img", { name: "Photo en attente d'envoi" }).count()).toBe(1);
    await page.getByText("Signature en attente d'envoi").waitFor();
    await expect.poll(offlineBanner).toBe("Hors ligne · 2 actions en attente");
    const stored = await page.evaluate(async () => {
      const databases = await indexedDB.databases();
      const name = databases.map((d) => d.name).find((n) => n?.startsWith("terrain-"))!;
      return new Promise<Array<{ mime: string; size: number }>>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction("files").objectStore("files").getAll();
          request.onsuccess = () => resolve((request.result as Array<{ mime: string; bytes: ArrayBuffer }>).map((f) => ({ mime: f.mime, size: f.bytes.byteLength })));
          request.onerror = () => reject(request.error);
        };
      });
    });
    expect(stored.map((f) => f.mime).sort()).toEqual(["image/jpeg", "image/png"]);
    const jpeg = stored.find((f) => f.mime === "image/jpeg")!;
    expect(jpeg.size).toBeLessThan(1_000_000);
    console.log(`photo: ${fixture.length} bytes of PNG (2000×1500) → ${jpeg.size} bytes of JPEG on the device`);
    expect(await attachmentRows()).toEqual([]);
  });

  it("back online: each upload lands exactly once with its SHA-256, even when a finalize reply is lost", async () => {
    let finalizeCalls = 0;
    await page.route("**/functions/v1/attachments", async (route) => {
      const body = route.request().postDataJSON() as { action?: string };
      if (body.action === "finalize" && ++finalizeCalls === 1) {
        await route.fetch(); // the server finalizes…
        await route.abort("connectionreset"); // …and the browser never hears it
      } else {
        await route.continue();
      }
    });
    await context.setOffline(false);
    await expect.poll(() => page.getByTestId("pending-banner").count(), { timeout: 60_000 }).toBe(0);
    await expect.poll(offlineBanner).toBe("");
    expect(finalizeCalls).toBeGreaterThanOrEqual(3); // two uploads, one of them finalized twice
    await page.unroute("**/functions/v1/attachments");

    const rows = await attachmentRows();
    expect(rows.map((r) => [r.mime, r.status, r.original_name])).toEqual([
      ["image/jpeg", "ready", expect.stringMatching(/^photo-\d{4}-\d{2}-\d{2}-\d{6}\.jpg$/)],
      ["image/png", "ready", "signature-client.png"],
    ]);
    for (const row of rows) expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(rows[0]!.size_bytes)).toBeLessThan(1_000_000);
    // The recorded hash is the hash of the bytes Storage holds.
    for (const row of rows) {
      const bytes = await withDb(async (db) =>
        (await db.query<{ n: string }>("select count(*)::text as n from storage.objects where bucket_id = 'attachments' and name = $1", [row.object_path])).rows[0]!.n,
      );
      expect(bytes).toBe("1");
    }
    const signed = await supabaseClient(stack.serviceRoleKey).storage.from("attachments").download(rows[1]!.object_path);
    expect(signed.error).toBeNull();
    const signatureBytes = Buffer.from(await signed.data!.arrayBuffer());
    expect(createHash("sha256").update(signatureBytes).digest("hex")).toBe(rows[1]!.sha256);
    expect(signatureBytes.subarray(1, 4).toString("latin1")).toBe("PNG");

    // The thumbnails now come from the server (signed URLs), and they load.
    const thumbnail = page.getByRole("img", { name: /^Photo du / });
    await expect.poll(() => thumbnail.count()).toBe(1);
    await thumbnail.scrollIntoViewIfNeeded(); // loading="lazy": fetched when shown
    const src = await thumbnail.getAttribute("src");
    expect(src).toMatch(/\/storage\/v1\/object\/sign\/attachments\//);
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(1600);
    await page.getByRole("img", { name: "Signature du client", exact: true }).waitFor();
    await page.getByText(/^Signé le /).waitFor();
    await expectNoSeriousAxeViolations("mission (photo and signature sent)");
    await screenshot(page, "12-mission-photo-signature-sent");
    console.log(`attachments: 2 queued offline, 2 rows ready, finalize called ${finalizeCalls}× (1 reply lost), duplicates 0`);
  });
});

describe("Web Push opt-in", () => {
  it("asks the permission, subscribes with the server's VAPID key and registers the device — as far as headless Chromium allows", async () => {
    await context.grantPermissions(["notifications"]);
    await page.getByRole("link", { name: /^Notifications/ }).click();
    await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
    const optIn = page.getByTestId("push-opt-in");
    await optIn.getByRole("heading", { name: "Notifications sur ce téléphone" }).waitFor();
    await expectNoSeriousAxeViolations("notifications (push off)");
    // The worker that will show the notifications loads the push handlers.
    expect(await page.evaluate(async () => (await fetch("/sw.js")).text())).toContain('importScripts("push-sw.js")');

    await optIn.getByRole("button", { name: "Activer les notifications" }).click();
    const status = optIn.getByRole("status");
    await expect.poll(async () => (await status.textContent()) ?? "", { timeout: 30_000 }).not.toBe("");
    const text = (await status.textContent()) ?? "";
    const rows = () =>
      withDb(async (db) => Number((await db.query<{ n: number }>("select count(*)::int as n from public.push_subscriptions where user_id = $1", [techId])).rows[0]!.n));
    if (text === "Notifications activées sur ce téléphone.") {
      // A browser with a push service: the device is registered, and turning it off removes it.
      expect(await rows()).toBe(1);
      await optIn.getByRole("button", { name: "Désactiver sur ce téléphone" }).click();
      await expect.poll(rows).toBe(0);
      console.log("push: subscribed, registered and removed");
    } else {
      // Headless Chromium has no push service (no GCM/FCM connection): pushManager.subscribe
      // is refused by the browser. The permission was granted, the subscription was asked with
      // the VAPID key, the failure is shown in French only (not the browser's English), and
      // nothing was registered.
      expect(text).toBe("Le navigateur n’a pas pu s’abonner à son service de notifications : réessayez plus tard, ou utilisez un autre navigateur.");
      expect(await page.evaluate(() => Notification.permission)).toBe("granted");
      expect(await rows()).toBe(0);
      await optIn.getByRole("button", { name: "Activer les notifications" }).waitFor();
      console.log(`push: headless Chromium refused pushManager.subscribe — ${text}`);
    }
    await expectNoSeriousAxeViolations("notifications (after opt-in)");
    await screenshot(page, "13-notifications-push");
  });

  it("the service worker shows a push as a notification that opens its url (a push event dispatched in the worker)", async () => {
    const worker = context.serviceWorkers().find((w) => w.url().endsWith("/sw.js"));
    expect(worker, "the app's service worker").toBeDefined();
    const shown = await worker!.evaluate(async (id) => {
      // The worker's own types (the project's TypeScript has no webworker lib).
      type Shown = { title: string; body: string; tag: string; data: unknown };
      const sw = self as unknown as {
        registration: { getNotifications(): Promise<Shown[]> };
        dispatchEvent(event: Event): boolean;
        PushEvent: new (type: string, init: { data: string }) => Event;
      };
      const PushEvent = sw.PushEvent;
      const payload = { id, title: "Mission urgente", body: "Fuite chez le client", url: "/missions/00000000-0000-4000-8000-000000000001" };
      const event = new PushEvent("push", { data: JSON.stringify(payload) });
      sw.dispatchEvent(event);
      // A payload whose url leaves the app is opened as the inbox instead.
      sw.dispatchEvent(new PushEvent("push", { data: JSON.stringify({ id: `${id}-2`, title: "Piège", body: "", url: "https://evil.example/" }) }));
      for (let i = 0; i < 50; i++) {
        const list = await sw.registration.getNotifications();
        if (list.length >= 2) {
          return list
            .map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url }))
            .sort((a, b) => a.tag.localeCompare(b.tag));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return [];
    }, run);
    expect(shown).toEqual([
      { title: "Mission urgente", body: "Fuite chez le client", tag: run, url: "/missions/00000000-0000-4000-8000-000000000001" },
      { title: "Piège", body: "", tag: `${run}-2`, url: "/notifications" },
    ]);
  });
});

describe("a refused upload", () => {
  it("goes to needs attention with the server's reason, keeps its photo until discarded, and never lands", async () => {
    await page.goto(`/missions/${missionId}`);
    await page.getByRole("heading", { name: missionTitle }).waitFor();
    // The work is done (a technician holding open missions keeps the role, see below).
    await page.getByRole("button", { name: "Terminer" }).click();
    await expect
      .poll(() => withDb(async (db) => (await db.query<{ status: string }>("select status::text from public.missions where id = $1", [missionId])).rows[0]!.status))
      .toBe("done");
    await context.setOffline(true);
    await expect.poll(offlineBanner).toContain("Hors ligne");
    const small = await page.evaluate(async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 48;
      const ctx = canvas.getContext("2d")!;
      ctx.fillStyle = "#c33";
      ctx.fillRect(0, 0, 64, 48);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    });
    await page.locator('input[type="file"]').setInputFiles({ name: "plaque.png", mimeType: "image/png", buffer: Buffer.from(small) });
    await page.getByText("Photo enregistrée sur l'appareil.").waitFor();
    // Meanwhile the office makes them an accountant, a role that may not add mission photos (private.attachment_types).
    await withDb((db) => db.query("update public.memberships set role = 'accountant' where org_id = $1 and user_id = $2", [ORG, techId]));
    await context.setOffline(false);

    await page.getByRole("link", { name: "Synchro", exact: true }).click();
    const refused = page.getByTestId("refused-actions").getByRole("listitem");
    await expect.poll(() => refused.count(), { timeout: 60_000 }).toBe(1);
    const text = (await refused.first().textContent()) ?? "";
    expect(text).toContain(`${missionTitle} : fichier photo-`);
    // In French only: the role in the role picker's words, no English beside it.
    expect(text).toContain("Motif : Le rôle « Comptable » ne permet pas d’envoyer ce type de fichier.");
    expect(text).not.toContain("may not upload");
    await expectNoSeriousAxeViolations("sync (refused upload)");
    await screenshot(page, "14-sync-refused-upload");
    expect((await attachmentRows()).length).toBe(2);
    const filesLeft = () =>
      page.evaluate(async () => {
        const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n?.startsWith("terrain-"))!;
        return new Promise<number>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction("files").objectStore("files").count();
            request.onsuccess = () => resolve(request.result);
          };
        });
      });
    expect(await filesLeft()).toBe(1);
    await page.getByRole("button", { name: /Abandonner/ }).click();
    await page.getByText("Aucune action refusée.").waitFor();
    expect(await filesLeft()).toBe(0);
  });
});
