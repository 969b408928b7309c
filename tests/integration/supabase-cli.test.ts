/**
 * The real Supabase CLI (npm `supabase`, pinned in package.json) agrees with
 * the local stack: the migrations our runner applied are the ones the CLI
 * sees as applied remotely (same bookkeeping table, same versions), its lint
 * finds no error, and it loads supabase/config.toml without a complaint
 * (the mail catcher's section is `[local_smtp]`, the key that replaced the
 * deprecated `[inbucket]`).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliArgs, PROJECT_SCHEMAS, SUPABASE_CLI } from "../../scripts/db/supabase-cli.ts";
import { ROOT } from "../../scripts/stack/config.ts";
import { listMigrations } from "../../scripts/stack/db/migrate.ts";
import { stack, withDb } from "./harness.ts";

function supabase(command: string[], extra: string[] = []) {
  const r = spawnSync(SUPABASE_CLI, cliArgs(command, stack.dbUrl, extra), { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("the Supabase CLI against the local stack", () => {
  it("migration list: every local migration is applied remotely, and nothing else", () => {
    const { code, out } = supabase(["migration", "list"]);
    expect(code, out).toBe(0);
    const rows = [...out.matchAll(/^\s*`?(\d{14})?`?\s*\|\s*`?(\d{14})?`?\s*\|/gm)].map((m) => ({ local: m[1], remote: m[2] }));
    const local = listMigrations().map((m) => m.version);
    expect(rows.length).toBe(local.length);
    for (const row of rows) expect(row.local, `local ${row.local} / remote ${row.remote}`).toBe(row.remote);
    expect(rows.map((r) => r.local)).toEqual(local);
  });

  it("migration list notices a migration applied remotely that is not in the repository", async () => {
    await withDb((c) =>
      c.query("insert into supabase_migrations.schema_migrations (version, name) values ('29991231235959', 'only_remote')"),
    );
    try {
      const { out } = supabase(["migration", "list"]);
      expect(out).toMatch(/\|\s*`?29991231235959`?\s*\|/);
      expect(out).not.toMatch(/^\s*`29991231235959`\s*\|/m);
    } finally {
      await withDb((c) => c.query("delete from supabase_migrations.schema_migrations where version = '29991231235959'"));
    }
  });

  it("db lint (plpgsql_check over the project's schemas) reports no error; config.toml loads without a warning", () => {
    // The project's schemas: pgTAP's own functions (installed by the pgTAP suite) fail plpgsql_check.
    const { code, out } = supabase(["db", "lint"], ["--schema", PROJECT_SCHEMAS, "--level", "error", "--fail-on", "error"]);
    expect(code, out).toBe(0);
    expect(out).toContain("No schema errors found");
    expect(out).not.toMatch(/failed to load config|WARN/i);
  });
});
