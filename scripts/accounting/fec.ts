/**
 * `npm run fec -- --org <uuid> --year-end YYYY-MM-DD [--out <dir>] [--db <url>]`:
 * writes the FEC of a fiscal year as <SIREN>FEC<AAAAMMJJ>.txt (export_fec, one
 * line per ledger line, CRLF, streamed to the file through a cursor) and
 * prints the invoice log head to keep with it (verify_invoice_log checks the
 * log against it later). Default database: the dev stack's
 * (TERRAIN_PORT_BASE / TERRAIN_STATE_DIR), or TERRAIN_DB_URL.
 */
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "../stack/config.ts";
import { streamFec } from "./fec-stream.ts";

const { values } = parseArgs({
  options: {
    org: { type: "string" },
    "year-end": { type: "string" },
    out: { type: "string", default: "." },
    db: { type: "string" },
  },
});
const usage = "usage: npm run fec -- --org <uuid> --year-end YYYY-MM-DD [--out <dir>] [--db <url>]";
if (!values.org || !/^[0-9a-f-]{36}$/i.test(values.org)) {
  console.error(`--org must be an organization id (uuid)\n${usage}`);
  process.exit(2);
}
if (!values["year-end"] || !/^\d{4}-\d{2}-\d{2}$/.test(values["year-end"])) {
  console.error(`--year-end must be a date YYYY-MM-DD\n${usage}`);
  process.exit(2);
}

let partial = ""; // the file being written, removed if the export fails
const client = new pg.Client({ connectionString: values.db ?? process.env.TERRAIN_DB_URL ?? loadConfig("dev").dbUrl });
await client.connect();
try {
  // One snapshot for the file and the head printed with it.
  await client.query("begin isolation level repeatable read read only");
  const args = [values.org, values["year-end"]];
  const name = (await client.query("select public.fec_file_name($1, $2) as name", args)).rows[0].name as string;
  const dir = resolve(values.out!);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  partial = path;
  const file = createWriteStream(path, { encoding: "utf8" });
  const lines = await streamFec(client, values.org, values["year-end"], async (batch) => {
    if (!file.write(batch.join("\r\n") + "\r\n")) await once(file, "drain");
  });
  file.end();
  await once(file, "finish");
  const head = (await client.query("select seq, head from public.invoice_log_head($1)", [values.org])).rows[0];
  await client.query("commit");
  partial = "";
  console.log(`${path}: ${lines - 1} lines`);
  console.log(`invoice log head: seq ${head.seq} sha256 ${head.head ?? "(no event yet)"}`);
} catch (error) {
  if (partial) rmSync(partial, { force: true });
  console.error(`fec: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.end();
}
