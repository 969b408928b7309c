import { describe, expect, it } from "vitest";
import { cliArgs, cliDbUrl } from "./supabase-cli.ts";

describe("Supabase CLI arguments", () => {
  it("a loopback database is reached without TLS; a hosted one is left as given", () => {
    expect(cliDbUrl("postgresql://postgres:postgres@127.0.0.1:55322/postgres")).toBe(
      "postgresql://postgres:postgres@127.0.0.1:55322/postgres?sslmode=disable",
    );
    expect(cliDbUrl("postgresql://u:p@db.example.supabase.co:5432/postgres")).toBe("postgresql://u:p@db.example.supabase.co:5432/postgres");
    expect(cliDbUrl("postgresql://u:p@localhost:5432/postgres?sslmode=require")).toBe("postgresql://u:p@localhost:5432/postgres?sslmode=require");
  });

  it("puts --db-url between the command words and the caller's flags", () => {
    expect(cliArgs(["db", "lint"], "postgresql://u:p@h:5432/d", ["--fail-on", "error"])).toEqual([
      "db", "lint", "--db-url", "postgresql://u:p@h:5432/d", "--fail-on", "error",
    ]);
  });
});
