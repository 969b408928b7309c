/**
 * One way to keep a generated file honest: `npm run <script>` writes it,
 * `npm run <script> -- --check` exits 1 when the committed copy differs from
 * what the database generates now (tests and CI use the check).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { ROOT, loadConfig } from "../stack/config.ts";

/** The database generators read: TERRAIN_DB_URL, or the dev stack's. */
export function databaseUrl(): string {
  return process.env.TERRAIN_DB_URL || loadConfig("dev").dbUrl;
}

/** Runs `fn` with a connected client, and always closes it. */
export async function withDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface GeneratedFile {
  path: string;
  /** The npm script that regenerates it, named in the staleness message. */
  script: string;
  generate: () => Promise<string>;
}

/** True when the file on disk is exactly what `text` is (a missing file is stale). */
export function isFresh(path: string, text: string): boolean {
  try {
    return readFileSync(path, "utf8") === text;
  } catch {
    return false;
  }
}

export async function writeOrCheck(file: GeneratedFile, argv = process.argv): Promise<number> {
  const text = await file.generate();
  const shown = relative(ROOT, file.path);
  if (argv.includes("--check")) {
    if (!isFresh(file.path, text)) {
      console.error(`✖ ${shown} is stale: run \`npm run ${file.script}\` and commit the result.`);
      return 1;
    }
    console.log(`${shown} is up to date.`);
    return 0;
  }
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, text);
  console.log(`Wrote ${shown} (${text.split("\n").length} lines).`);
  return 0;
}

/** Runs writeOrCheck when `moduleUrl` is the script node was started with. */
export function runAsScript(moduleUrl: string, file: GeneratedFile): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  writeOrCheck(file).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`✖ ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    },
  );
}
