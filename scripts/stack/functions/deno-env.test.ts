import { describe, expect, it } from "vitest";
import { denoNetworkEnv } from "./deno-env.ts";

describe("denoNetworkEnv", () => {
  it("hands Node's extra CA bundle to Deno as DENO_CERT", () => {
    expect(denoNetworkEnv({ NODE_EXTRA_CA_CERTS: "/etc/corp-ca.pem" })).toEqual({ DENO_CERT: "/etc/corp-ca.pem" });
  });

  it("keeps an explicit DENO_CERT over NODE_EXTRA_CA_CERTS", () => {
    expect(denoNetworkEnv({ NODE_EXTRA_CA_CERTS: "/node.pem", DENO_CERT: "/deno.pem" })).toEqual({ DENO_CERT: "/deno.pem" });
  });

  it("passes trust and proxy variables, in both cases, and nothing else", () => {
    const env = denoNetworkEnv({
      DENO_TLS_CA_STORE: "system",
      SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
      SSL_CERT_DIR: "/etc/ssl/certs",
      HTTPS_PROXY: "http://proxy:3128",
      http_proxy: "http://proxy:3128",
      NO_PROXY: "localhost,127.0.0.1",
      no_proxy: "localhost",
      AWS_SECRET_ACCESS_KEY: "not for the functions",
      PGPASSWORD: "nor this",
      EMPTY: "",
    });
    expect(env).toEqual({
      DENO_TLS_CA_STORE: "system",
      SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
      SSL_CERT_DIR: "/etc/ssl/certs",
      HTTPS_PROXY: "http://proxy:3128",
      http_proxy: "http://proxy:3128",
      NO_PROXY: "localhost,127.0.0.1",
      no_proxy: "localhost",
    });
  });
});
