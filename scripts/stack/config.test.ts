/**
 * The two profiles move independently: a developer who moved the dev stack
 * (TERRAIN_PORT_BASE) must not move `npm test`, and the reverse.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, PROFILE_ENV } from "./config.ts";

const names = [PROFILE_ENV.dev.portBase, PROFILE_ENV.dev.stateDir, PROFILE_ENV.test.portBase, PROFILE_ENV.test.stateDir];
const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));

afterEach(() => {
  for (const n of names) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

describe("stack profiles", () => {
  it("defaults: dev on the Supabase CLI's ports, test 1000 above", () => {
    for (const n of names) delete process.env[n];
    expect(loadConfig("dev").ports).toEqual({ api: 54321, db: 54322, rest: 54330, functions: 54331, mailSmtp: 54345, mailWeb: 54346 });
    expect(loadConfig("test").ports).toEqual({ api: 55321, db: 55322, rest: 55330, functions: 55331, mailSmtp: 55345, mailWeb: 55346 });
  });

  it("TERRAIN_PORT_BASE and TERRAIN_STATE_DIR move the dev stack only", () => {
    for (const n of names) delete process.env[n];
    process.env.TERRAIN_PORT_BASE = "60321";
    process.env.TERRAIN_STATE_DIR = "/tmp/terrain-dev-elsewhere";
    expect(loadConfig("dev").ports.api).toBe(60321);
    expect(loadConfig("dev").stateDir).toBe("/tmp/terrain-dev-elsewhere");
    expect(loadConfig("test").ports.api).toBe(55321);
    expect(loadConfig("test").stateDir).not.toBe("/tmp/terrain-dev-elsewhere");
  });

  it("TERRAIN_TEST_PORT_BASE and TERRAIN_TEST_STATE_DIR move the test stack only", () => {
    for (const n of names) delete process.env[n];
    process.env.TERRAIN_TEST_PORT_BASE = "61321";
    process.env.TERRAIN_TEST_STATE_DIR = "/tmp/terrain-test-elsewhere";
    expect(loadConfig("test").ports).toMatchObject({ api: 61321, db: 61322 });
    expect(loadConfig("test").stateDir).toBe("/tmp/terrain-test-elsewhere");
    expect(loadConfig("dev").ports.api).toBe(54321);
  });

  it("a malformed port base is a clear error naming the variable", () => {
    process.env.TERRAIN_TEST_PORT_BASE = "fifty";
    expect(() => loadConfig("test")).toThrow(/TERRAIN_TEST_PORT_BASE must be a port number/);
  });

  it("an explicit placement wins over the environment", () => {
    process.env.TERRAIN_TEST_PORT_BASE = "61321";
    expect(loadConfig("test", { portBase: 53321, stateDir: "/tmp/bench" })).toMatchObject({ ports: { api: 53321 }, stateDir: "/tmp/bench" });
  });
});
