/**
 * A new deployment while the app is open: the new service worker installs and
 * waits (it never takes over by itself), the app says a new version is ready,
 * and "Recharger" activates it and reloads the page into it.
 *
 * A deployment is a different sw.js at the same URL. The gateway serves one
 * build, so the page is opened through a small pass-through proxy in front of
 * it that can start serving the next sw.js (the same file with other bytes).
 * A browser cannot be made to fetch another sw.js any other way: Playwright's
 * routing does not see the service worker's update check.
 */
import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { stack } from "../integration/harness.ts";
import { launchBrowser, phoneContext, screenshot, seriousAxeViolations } from "./browser.ts";

let browser: Browser;
let proxy: Server;
let proxyUrl: string;
let nextDeployment = false;
let swFetches = 0;

beforeAll(async () => {
  const upstream = new URL(stack.apiUrl);
  proxy = createServer((req, res) => {
    const isWorker = req.url === "/sw.js";
    if (isWorker) swFetches++;
    const headers = { ...req.headers, host: upstream.host };
    // The next deployment's worker is rewritten here, so ask for it uncompressed.
    if (isWorker && nextDeployment) delete headers["accept-encoding"];
    const upstreamRequest = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (upstreamResponse) => {
        if (!(isWorker && nextDeployment)) {
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upstreamResponse.on("data", (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on("end", () => {
          const body = `${Buffer.concat(chunks).toString("utf8")}\n// next deployment\n`;
          res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" });
          res.end(body);
        });
      },
    );
    upstreamRequest.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

it("shows the update banner when a new service worker is waiting, and reloads into it", async () => {
  const context = await phoneContext(browser, proxyUrl);
  const page = await context.newPage();
  await page.goto("/");
  await page.getByRole("heading", { name: "Connexion à Terrain" }).waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const banner = page.getByText("Une nouvelle version de Terrain est prête.");
  expect(await banner.count()).toBe(0);
  const firstWorker = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);

  nextDeployment = true;
  const fetchesBefore = swFetches;
  await page.evaluate(async () => {
    await (await navigator.serviceWorker.getRegistration())?.update();
  });
  await banner.waitFor({ timeout: 30_000 });
  expect(swFetches).toBeGreaterThan(fetchesBefore);
  // Waiting, not active: the open page still runs the first worker.
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null)).toBe(true);
  const violations = await seriousAxeViolations(page);
  expect(violations).toEqual([]);
  await screenshot(page, "10-update-waiting");

  await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Recharger" }).click()]);
  await page.getByRole("heading", { name: "Connexion à Terrain" }).waitFor();
  expect(await banner.count()).toBe(0);
  const after = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return { waiting: registration?.waiting ?? null, controlled: navigator.serviceWorker.controller !== null };
  });
  expect(after).toEqual({ waiting: null, controlled: true });
  expect(firstWorker).toBe(`${proxyUrl}/sw.js`);
  await context.close();
});
