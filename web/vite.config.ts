import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * In production the local gateway (or Supabase hosting) serves the built app and
 * the API from one origin. `vite dev` runs on its own port, so it forwards the
 * API paths and /config.json to the gateway: the app then behaves exactly as it
 * does behind the gateway, without CORS and without a .env file.
 * TERRAIN_API_URL points it at another stack (e.g. the test profile on 55321).
 */
const gatewayUrl = process.env.TERRAIN_API_URL ?? "http://127.0.0.1:54321";
const gatewayPaths = ["/config.json", "/rest/v1", "/auth/v1", "/functions/v1", "/storage/v1"];

export default defineConfig({
  base: "/",
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(gatewayPaths.map((path) => [path, { target: gatewayUrl, changeOrigin: true }])),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
});
