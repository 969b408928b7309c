/**
 * The migrations runner (scripts/stack/db/migrate.ts) against a scratch database
 * on the stack's cluster: applies files in order, one transaction each,
 * records them as the Supabase CLI does, and refuses to run when an applied
 * file was edited or has disappeared.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type StackConfig } from "../../scripts/stack/config.ts";
import { listMigrations, migrate, MigrationDriftError } from "../../scripts/stack/db/migrate.ts";
import { stack, withDb } from "./harness.ts";

const scratchDb = `it_migrations_${process.pid}`;
let dir: string;
let cfg: StackConfig;

const write = (file: string, sql: string) => writeFileSync(join(dir, file), sql);
const inScratch = <T>(fn: Parameters<typeof withDb<T>>[0]) => withDb(fn, cfg.dbUrl);

beforeAll(async () => {
  await withDb(async (c) => {
    await c.query(`drop database if exists ${scratchDb}`);
    await c.query(`create database ${scratchDb}`);
  });
  const url = new URL(stack.dbUrl);
  url.pathname = `/${scratchDb}`;
  cfg = { ...loadConfig("test"), dbUrl: url.toString() };
  dir = mkdtempSync(join(tmpdir(), "terrain-migrations-"));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await withDb((c) => c.query(`drop database if exists ${scratchDb} with (force)`));
});

describe("migrations runner", () => {
  it("applies pending files in timestamp order and records them like the Supabase CLI", async () => {
    write("20260101000000_first.sql", "create table t (id int primary key);");
    write("20260102000000_second.sql", "insert into t values (1), (2);");
    const r = await migrate(cfg, listMigrations(dir));
    expect(r.applied).toEqual(["20260101000000_first.sql", "20260102000000_second.sql"]);
    const rows = await inScratch(async (c) => (await c.query("select version, name, statements from supabase_migrations.schema_migrations order by version")).rows);
    expect(rows).toEqual([
      { version: "20260101000000", name: "first", statements: ["create table t (id int primary key);"] },
      { version: "20260102000000", name: "second", statements: ["insert into t values (1), (2);"] },
    ]);
    expect((await migrate(cfg, listMigrations(dir))).applied).toEqual([]);
  });

  it("rolls a failing migration back whole and records nothing", async () => {
    write("20260103000000_broken.sql", "insert into t values (3);\ninsert into t values (1);");
    await expect(migrate(cfg, listMigrations(dir))).rejects.toThrow(/20260103000000_broken\.sql.*duplicate key value.*\[SQLSTATE 23505\]/s);
    const { ids, recorded } = await inScratch(async (c) => ({
      ids: (await c.query("select array_agg(id order by id) as ids from t")).rows[0].ids,
      recorded: (await c.query("select count(*)::int as n from supabase_migrations.schema_migrations where version = '20260103000000'")).rows[0].n,
    }));
    expect(ids).toEqual([1, 2]);
    expect(recorded).toBe(0);
    rmSync(join(dir, "20260103000000_broken.sql"));
  });

  it("refuses to run when an applied migration was changed, and applies nothing else", async () => {
    write("20260101000000_first.sql", "create table t (id int primary key, note text);");
    write("20260104000000_third.sql", "create table u (id int);");
    const attempt = migrate(cfg, listMigrations(dir));
    await expect(attempt).rejects.toBeInstanceOf(MigrationDriftError);
    await expect(attempt).rejects.toThrow(/20260101000000_first\.sql was changed after it was applied/);
    const third = await inScratch(async (c) => (await c.query("select to_regclass('public.u') as u")).rows[0].u);
    expect(third).toBeNull();
  });

  it("refuses to run when an applied migration is missing from disk", async () => {
    write("20260101000000_first.sql", "create table t (id int primary key);");
    rmSync(join(dir, "20260102000000_second.sql"));
    await expect(migrate(cfg, listMigrations(dir))).rejects.toThrow(/20260102000000 is applied in the database but missing/);
  });

  it("rejects a file name that is not <timestamp>_<name>.sql", () => {
    write("add_things.sql", "select 1;");
    expect(() => listMigrations(dir)).toThrow(/does not match <timestamp>_<name>\.sql/);
    rmSync(join(dir, "add_things.sql"));
  });
});
