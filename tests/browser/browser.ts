/**
 * What the browser tests share: Debian's Chromium (installed by
 * scripts/ensure-system.sh; no browser download), axe-core injected into the
 * page, and phone-sized screenshots under tests/browser/screenshots/ (gitignored).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { stack, supabaseClient, withDb } from "../integration/harness.ts";

export const SCREENSHOT_DIR = join(new URL("../..", import.meta.url).pathname, "tests", "browser", "screenshots");

/** TERRAIN_CHROMIUM, else Debian's chromium on PATH. */
export function chromiumPath(): string {
  const fromEnv = process.env.TERRAIN_CHROMIUM;
  if (fromEnv) return fromEnv;
  for (const candidate of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("Chromium not found: scripts/ensure-system.sh installs Debian's chromium (TERRAIN_WITH_BROWSER=1).");
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // Root (CI) cannot use Chromium's sandbox; /dev/shm is small in containers.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A phone: 390×844 (iPhone 12-14 class), touch, French. */
export async function phoneContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    serviceWorkers: "allow",
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/** axe-core on the page as it is now: the serious and critical violations (WCAG 2.x A/AA rules and best practices). */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Serious and critical violations per screen of the running test file, printed by logAxeReport. */
const axeReport: Record<string, number> = {};

/** The screen passes axe: no serious or critical violation (the list is the failure message). */
export async function expectAxeClean(page: Page, screen: string): Promise<void> {
  const violations = await seriousAxeViolations(page);
  axeReport[screen] = violations.length;
  expect(violations, `${screen}: ${JSON.stringify(violations)}`).toEqual([]);
}

/** Prints the screens checked by expectAxeClean in this test file (from afterAll). */
export function logAxeReport(label: string): void {
  console.log(`${label} axe (serious + critical violations per screen): ${JSON.stringify(axeReport)}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A desktop: 1440×900, French, Paris time (the back office and the portal). */
export async function desktopContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport: { width: 1440, height: 900 },
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    serviceWorkers: "block",
  });
}

/** The demo users' password (supabase/seed.sql; LOCAL DEVELOPMENT ONLY, README "Demo logins"). */
export const DEMO_PASSWORD = "terrain-demo";

/** Signs in through the app's own form (in French) from wherever the page is. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  if (!page.url().startsWith("http")) await page.goto("/");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
}

/** A desktop screenshot of the screen as it is now (tests/browser/screenshots/, gitignored). */
export async function desktopScreenshot(page: Page, name: string): Promise<void> {
  await screenshot(page, `desktop-${name}`);
}

/** A desktop screen checked with axe (expectAxeClean), then photographed under its name. */
export async function checkDesktopScreen(page: Page, name: string): Promise<void> {
  await expectAxeClean(page, name);
  await desktopScreenshot(page, name);
}

/** A fresh desktop context on the app's sign-in screen. */
export async function freshDesktopPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await desktopContext(browser, baseURL);
  const page = await context.newPage();
  await page.goto("/");
  return { context, page };
}

/** A fresh desktop context signed in as a member of the back office, once the office has opened. */
export async function officePage(browser: Browser, baseURL: string, email: string, password = DEMO_PASSWORD): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await freshDesktopPage(browser, baseURL);
  await signIn(opened.page, email, password);
  await opened.page.waitForURL((url) => url.pathname.startsWith("/office/"));
  return opened;
}

/** The path the page is at (no origin, no query). */
export const pathOf = (page: Page): string => new URL(page.url()).pathname;

/** A confirmed account with a name, made a technician of the organization; its user id. */
export async function createTechnician(orgId: string, email: string, password: string, fullName: string): Promise<string> {
  const created = await supabaseClient(stack.serviceRoleKey).auth.admin.createUser({ email, password, email_confirm: true, user_metadata: { full_name: fullName } });
  if (created.error) throw created.error;
  const userId = created.data.user.id;
  await withDb((db) => db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'technician')", [orgId, userId]));
  return userId;
}
