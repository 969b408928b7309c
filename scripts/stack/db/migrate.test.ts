import { describe, expect, it } from "vitest";
import { MIGRATION_FILE, seedFiles } from "./migrate.ts";

describe("migration and seed files", () => {
  it("accepts the Supabase CLI's file names only", () => {
    expect(MIGRATION_FILE.exec("20261122220000_enable_extensions.sql")?.slice(1)).toEqual(["20261122220000", "enable_extensions"]);
    expect(MIGRATION_FILE.test("enable_extensions.sql")).toBe(false);
    expect(MIGRATION_FILE.test("2026_x.sql.bak")).toBe(false);
  });

  it("expands config.toml's seed paths, seed.sql first, then seeds/*.sql in name order", () => {
    const files = seedFiles().map((f) => f.split("/supabase/")[1]);
    expect(files[0]).toBe("seed.sql");
    const rest = files.slice(1);
    expect(rest.every((f) => /^seeds\/[^/]+\.sql$/.test(f!))).toBe(true);
    expect(rest).toEqual([...rest].sort());
  });
});
