import { describe, expect, it } from "vitest";
import { normaliseDump } from "./schema.ts";

describe("normaliseDump", () => {
  it("drops the lines that change between pg_dump runs, keeps every schema line", () => {
    const dump = [
      "--",
      "-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)",
      "-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)",
      "\\restrict AbC123",
      "CREATE TABLE public.x (id uuid);",
      "",
      "",
      "",
      "GRANT SELECT ON TABLE public.x TO authenticated;",
      "\\unrestrict AbC123",
    ].join("\n");
    expect(normaliseDump(dump)).toBe("--\nCREATE TABLE public.x (id uuid);\n\nGRANT SELECT ON TABLE public.x TO authenticated;");
  });

  it("a changed schema line changes the result (the staleness check can fail)", () => {
    expect(normaliseDump("CREATE TABLE public.x (id uuid);")).not.toBe(normaliseDump("CREATE TABLE public.x (id bigint);"));
  });
});
