import assert from "node:assert/strict";
import { z } from "zod";
import { appVersion, EnvError, postgresUrl, readEnv, readSupabaseEnv } from "./env.ts";

const complete = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_ANON_KEY: "anon-key-value",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-value",
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
};

Deno.test("readSupabaseEnv returns the four variables when present and valid", () => {
  assert.deepEqual(readSupabaseEnv(complete), complete);
});

Deno.test("every missing variable is named in one error; empty counts as missing", () => {
  assert.throws(
    () => readSupabaseEnv({ SUPABASE_URL: complete.SUPABASE_URL, SUPABASE_ANON_KEY: "" }),
    (error: unknown) => {
      assert.ok(error instanceof EnvError);
      assert.deepEqual(error.problems, [
        "SUPABASE_ANON_KEY (missing)",
        "SUPABASE_SERVICE_ROLE_KEY (missing)",
        "SUPABASE_DB_URL (missing)",
      ]);
      assert.match(
        error.message,
        /^Missing or invalid environment variables: SUPABASE_ANON_KEY \(missing\)/,
      );
      return true;
    },
  );
});

Deno.test("invalid values are reported by name without echoing the value", () => {
  const secretLookingValue = "mysql://root:topsecret@db/x";
  assert.throws(
    () =>
      readSupabaseEnv({
        ...complete,
        SUPABASE_DB_URL: secretLookingValue,
        SUPABASE_URL: "not a url",
      }),
    (error: unknown) => {
      assert.ok(error instanceof EnvError);
      assert.match(
        error.message,
        /SUPABASE_DB_URL \(must be a postgres:\/\/ or postgresql:\/\/ URL\)/,
      );
      assert.match(error.message, /SUPABASE_URL \(/);
      assert.ok(!error.message.includes("topsecret"));
      assert.ok(!error.message.includes("not a url"));
      return true;
    },
  );
});

Deno.test("defaults and coercion apply; variables outside the shape are ignored", () => {
  const env = readEnv(
    {
      TERRAIN_VERSION: appVersion,
      TIMEOUT_MS: z.coerce.number().int().default(3000),
      DB: postgresUrl,
    },
    { DB: "postgres://u@h/d", TIMEOUT_MS: "150", UNRELATED: "x" },
  );
  assert.deepEqual(env, { TERRAIN_VERSION: "dev", TIMEOUT_MS: 150, DB: "postgres://u@h/d" });
});

Deno.test("readEnv reads Deno.env by default", () => {
  Deno.env.set("TERRAIN_ENV_TEST_VALUE", "from-process");
  try {
    assert.deepEqual(readEnv({ TERRAIN_ENV_TEST_VALUE: z.string() }), {
      TERRAIN_ENV_TEST_VALUE: "from-process",
    });
  } finally {
    Deno.env.delete("TERRAIN_ENV_TEST_VALUE");
  }
});
