import { createClient } from "@supabase/supabase-js";
import type { Database } from "../../types/database.ts";
import type { TerrainClient } from "./supabase.ts";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { loadConfig, type AppConfig } from "./config.ts";
import { registerServiceWorker } from "./pwa.ts";
import "./styles.css";

const LAST_CONFIG_KEY = "terrain.config";

const loadAppConfig = () =>
  loadConfig({
    origin: window.location.origin,
    // Next to the app, whatever base it is served under.
    configUrl: `${import.meta.env.BASE_URL}config.json`,
    fetch: window.fetch.bind(window),
    env: {
      VITE_SUPABASE_URL: import.meta.env.VITE_SUPABASE_URL,
      VITE_SUPABASE_ANON_KEY: import.meta.env.VITE_SUPABASE_ANON_KEY,
    },
    lastKnown: {
      read: () => window.localStorage.getItem(LAST_CONFIG_KEY),
      write: (value) => window.localStorage.setItem(LAST_CONFIG_KEY, value),
    },
  });

// One client per configuration: StrictMode runs startup twice in development, and two
// clients would share one stored session and race each other's token refreshes.
const clients = new Map<string, TerrainClient>();
const createSupabase = (config: AppConfig) => {
  const key = `${config.supabaseUrl} ${config.anonKey}`;
  let client = clients.get(key);
  if (!client) {
    client = createClient<Database>(config.supabaseUrl, config.anonKey);
    clients.set(key, client);
  }
  return client;
};

const rootElement = document.getElementById("root");
if (!rootElement) throw new Error('index.html has no <div id="root">');

createRoot(rootElement).render(
  <StrictMode>
    <App loadAppConfig={loadAppConfig} createSupabase={createSupabase} />
  </StrictMode>,
);

void registerServiceWorker().catch((error: unknown) => console.error("Service worker registration failed", error));
