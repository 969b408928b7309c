/**
 * A backup is one directory: `database.dump` (pg_dump, custom format) and
 * `manifest.json` beside it. The manifest says what the dump must contain
 * (its SHA-256 and size, rows and row checksums per table, migrations, cron
 * jobs, health checks, invoice chains) so that a restore can refuse a dump
 * that is not the one written, and a verification can prove the restored
 * database is the backed-up one.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { DatabaseState } from "./database-state.ts";
import { pgTool } from "./postgres-tools.ts";

export const MANIFEST_FILE = "manifest.json";
export const DUMP_FILE = "database.dump";
export const MANIFEST_FORMAT = "terrain-backup/1";

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
  durationSeconds: number;
  source: { url: string; database: string; cronDatabase: string | null };
  postgres: { server: string; pgDump: string };
  dump: { file: string; format: "custom"; bytes: number; sha256: string };
  schemas: string[];
  extensions: { name: string; schema: string; version: string }[];
  /** `alter database … set` (role null) and `alter role … in database … set` of the source database. */
  databaseSettings: { role: string | null; settings: string[] }[];
  state: DatabaseState;
}

// Only what restore and verify rely on is checked; the rest is informative.
const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  createdAt: z.string(),
  source: z.object({ database: z.string(), cronDatabase: z.string().nullable() }),
  dump: z.object({ file: z.string().regex(/^[^/\\]+$/), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  databaseSettings: z.array(z.object({ role: z.string().nullable(), settings: z.array(z.string()) })),
  state: z.object({
    tables: z.record(z.string(), z.object({ rows: z.number().int().nonnegative(), checksum: z.string().optional() })),
    migrations: z.array(z.object({ version: z.string(), name: z.string().nullable() })),
    cronJobs: z.array(z.object({ jobname: z.string().nullable(), schedule: z.string(), command: z.string(), database: z.string(), username: z.string(), active: z.boolean() })),
    healthChecks: z.array(z.object({ name: z.string(), period: z.string(), ok: z.boolean(), count: z.number() })),
    invoiceChains: z.record(z.string(), z.object({ ok: z.boolean(), checked: z.number(), reason: z.string().nullable() })),
  }),
});

export class BackupRefusedError extends Error {}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

export function readManifest(backupDir: string): Manifest {
  const path = join(backupDir, MANIFEST_FILE);
  if (!existsSync(path)) throw new BackupRefusedError(`${backupDir} is not a backup: ${MANIFEST_FILE} is missing.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new BackupRefusedError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BackupRefusedError(`${path} is not a ${MANIFEST_FORMAT} manifest: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return raw as Manifest;
}

export interface CheckedBackup {
  manifest: Manifest;
  dumpPath: string;
  /** pg_restore's table of contents of the archive (`pg_restore -l`). */
  toc: string;
}

/**
 * The dump is the one the manifest describes (size and SHA-256) and
 * pg_restore can read its table of contents; anything else is refused
 * before a database is touched.
 */
export async function checkBackup(backupDir: string, dbUrl: string): Promise<CheckedBackup> {
  const manifest = readManifest(backupDir);
  const dumpPath = join(backupDir, manifest.dump.file);
  if (!existsSync(dumpPath)) throw new BackupRefusedError(`The dump ${dumpPath} named by the manifest is missing.`);
  const bytes = statSync(dumpPath).size;
  const sha256 = await sha256File(dumpPath);
  if (sha256 !== manifest.dump.sha256 || bytes !== manifest.dump.bytes) {
    throw new BackupRefusedError(
      `Refusing ${dumpPath}: its SHA-256 is ${sha256} (${bytes} bytes) but the manifest says ${manifest.dump.sha256} ` +
        `(${manifest.dump.bytes} bytes). The dump was changed or damaged after the backup; restore another backup.`,
    );
  }
  let toc: string;
  try {
    toc = (await pgTool("pg_restore", ["--list", dumpPath], dbUrl)).stdout;
  } catch (err) {
    throw new BackupRefusedError(`Refusing ${dumpPath}: pg_restore cannot read it.\n${(err as Error).message}`);
  }
  return { manifest, dumpPath, toc };
}
