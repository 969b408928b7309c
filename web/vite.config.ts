import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

/**
 * In production the local gateway (or Supabase hosting) serves the built app and
 * the API from one origin. `vite dev` runs on its own port, so it forwards the
 * API paths and /config.json to the gateway: the app then behaves exactly as it
 * does behind the gateway, without CORS and without a .env file.
 * TERRAIN_API_URL points it at another stack (e.g. the test profile on 55321).
 */
const gatewayUrl = process.env.TERRAIN_API_URL ?? "http://127.0.0.1:54321";
/** Code only the back office and the portal load: their own sources and the chart library (uPlot). */
const DESK_ONLY_MODULES = /\/src\/(office|portal)\/|\/node_modules\/uplot\//;
const gatewayPaths = ["/config.json", "/rest/v1", "/auth/v1", "/functions/v1", "/storage/v1"];

export default defineConfig({
  base: "/",
  plugins: [
    react(),
    VitePWA({
      // A new version waits for the technician's "reload" (see src/pwa.ts): never auto-update under a form.
      registerType: "prompt",
      // src/pwa.ts registers the worker with workbox-window.
      injectRegister: false,
      // public/manifest.webmanifest is the manifest, linked from index.html.
      manifest: false,
      workbox: {
        // The app shell: every built file, so the app opens with no network at all.
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        // …except the back office and the portal: desktop screens that need the network anyway,
        // which a technician's phone should not download to work offline (see chunkFileNames below).
        globIgnores: ["assets/desk/**"],
        navigateFallback: "/index.html",
        // API paths are never answered by the app shell.
        navigateFallbackDenylist: [/^\/(rest|auth|functions|storage)\/v1\//, /^\/config\.json$/],
        // The first install takes the open page at once; later versions wait (skipWaiting stays off).
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
        // generateSW writes the worker, so its push and notificationclick handlers live in
        // public/push-sw.js, which the generated worker loads (README "The technician app").
        importScripts: ["push-sw.js"],
      },
    }),
  ],
  server: {
    proxy: Object.fromEntries(gatewayPaths.map((path) => [path, { target: gatewayUrl, changeOrigin: true }])),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // .vite/manifest.json: the chunk graph, from which `npm run bench -- --only bundle` gives
    // the JavaScript each screen downloads (scripts/bench/bundle.ts).
    manifest: true,
    rollupOptions: {
      output: {
        // A chunk made only of back-office or portal code goes under assets/desk/, which the
        // service worker does not precache: phones keep the technician's app and nothing else.
        chunkFileNames: (chunk) =>
          chunk.moduleIds.length > 0 && chunk.moduleIds.every((id) => DESK_ONLY_MODULES.test(id))
            ? "assets/desk/[name]-[hash].js"
            : "assets/[name]-[hash].js",
      },
    },
  },
});
