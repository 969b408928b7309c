/**
 * A throw-away certificate authority for `npm test`. Outside services that
 * functions reach over HTTPS (push services) are replaced in the integration
 * tests by local servers presenting a certificate this CA issued, and the
 * test stack's functions runtime trusts the CA (DENO_CERT), the way hosted
 * functions trust the real services' public CAs: TLS stays on and verified.
 *
 * Made with openssl into the test profile's state directory, which each run
 * wipes; the key never leaves it. Never used by `npm start`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDir } from "./config.ts";

export interface TestCa {
  dir: string;
  certFile: string;
  keyFile: string;
}

const openssl = (args: string[], cwd: string) => execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

/** The CA of `dir`: made on first call (P-256, valid two days), then reused. */
export function ensureTestCa(dir: string): TestCa {
  ensureDir(dir);
  const ca = { dir, certFile: join(dir, "ca.pem"), keyFile: join(dir, "ca.key") };
  if (existsSync(ca.certFile) && existsSync(ca.keyFile)) return ca;
  openssl(
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", ca.keyFile, "-out", ca.certFile, "-days", "2", "-subj", "/CN=Terrain npm test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return ca;
}

/** A server certificate for 127.0.0.1 and localhost, issued by the CA: PEM cert and key. */
export function issueServerCertificate(ca: TestCa, name: string): { cert: string; key: string } {
  const base = join(ca.dir, name);
  writeFileSync(
    `${base}.ext`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${name}`],
    ca.dir,
  );
  openssl(
    ["x509", "-req", "-in", `${base}.csr`, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-CAcreateserial", "-days", "2", "-out", `${base}.pem`, "-extfile", `${base}.ext`],
    ca.dir,
  );
  return { cert: readFileSync(`${base}.pem`, "utf8"), key: readFileSync(`${base}.key`, "utf8") };
}

/**
 * A DENO_CERT bundle: the CA bundle Deno would use anyway (DENO_CERT, else
 * NODE_EXTRA_CA_CERTS: a proxy's CA, see functions/deno-env.ts) plus the test
 * CA. Returns its path.
 */
export function denoCertWithTestCa(ca: TestCa, env: NodeJS.ProcessEnv = process.env): string {
  const existing = env.DENO_CERT || env.NODE_EXTRA_CA_CERTS;
  const bundle = join(ca.dir, "deno-cert-bundle.pem");
  const parts = [existing && existsSync(existing) ? readFileSync(existing, "utf8").trim() : "", readFileSync(ca.certFile, "utf8").trim()];
  writeFileSync(bundle, parts.filter(Boolean).join("\n") + "\n");
  return bundle;
}
