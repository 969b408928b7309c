import { describe, expect, it } from "vitest";
import { cliArgs, localWithoutTls } from "./supabase-cli.ts";

describe("cliArgs", () => {
  it("gives a loopback database URL sslmode=disable (the local stack has no TLS)", () => {
    expect(localWithoutTls("postgresql://postgres:postgres@127.0.0.1:55322/postgres")).toBe(
      "postgresql://postgres:postgres@127.0.0.1:55322/postgres?sslmode=disable",
    );
    expect(cliArgs(["migration", "list"], "postgresql://postgres:postgres@localhost:54322/postgres")).toEqual([
      "migration", "list", "--db-url", "postgresql://postgres:postgres@localhost:54322/postgres?sslmode=disable",
    ]);
  });
  it("leaves a remote URL, or one that names its sslmode, unchanged", () => {
    const remote = "postgresql://postgres:secret@db.example.supabase.co:5432/postgres";
    expect(localWithoutTls(remote)).toBe(remote);
    const explicit = "postgresql://postgres:postgres@127.0.0.1:54322/postgres?sslmode=require";
    expect(localWithoutTls(explicit)).toBe(explicit);
  });
});
