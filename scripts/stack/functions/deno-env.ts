/**
 * The part of the user's environment Deno needs to reach the network the way
 * the user's shell does: extra certificate authorities and proxies. Everything
 * else of the shell stays out of the functions runtime (functions get a
 * minimal environment, as in production).
 *
 * Deno reads DENO_CERT (a PEM bundle added to its trust store),
 * DENO_TLS_CA_STORE (`system` to trust the OS store), SSL_CERT_FILE /
 * SSL_CERT_DIR, and the usual proxy variables. It does NOT read Node's
 * NODE_EXTRA_CA_CERTS: where only that is set (a corporate proxy with its own
 * CA), Deno would refuse the proxy's certificate and fail to download its npm
 * packages, so the same bundle is handed to Deno as DENO_CERT.
 */
export const DENO_NETWORK_VARIABLES = [
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
] as const;

export function denoNetworkEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of DENO_NETWORK_VARIABLES) {
    const value = source[name];
    if (value) env[name] = value;
  }
  if (!env.DENO_CERT && source.NODE_EXTRA_CA_CERTS) env.DENO_CERT = source.NODE_EXTRA_CA_CERTS;
  return env;
}
