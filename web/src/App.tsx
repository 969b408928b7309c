import type { Session } from "@supabase/supabase-js";
import type { TerrainClient } from "./supabase.ts";
import { useCallback, useEffect, useState } from "react";
import { Home } from "./components/Home.tsx";
import { LoginForm } from "./components/LoginForm.tsx";
import type { AppConfig } from "./config.ts";

type Startup =
  | { kind: "loading" }
  | { kind: "failed"; message: string }
  | { kind: "ready"; config: AppConfig; supabase: TerrainClient };

export interface AppProps {
  loadAppConfig: () => Promise<AppConfig>;
  createSupabase: (config: AppConfig) => TerrainClient;
}

export function App({ loadAppConfig, createSupabase }: AppProps) {
  const [startup, setStartup] = useState<Startup>({ kind: "loading" });

  const start = useCallback(async () => {
    setStartup({ kind: "loading" });
    try {
      const config = await loadAppConfig();
      setStartup({ kind: "ready", config, supabase: createSupabase(config) });
    } catch (error) {
      setStartup({ kind: "failed", message: (error as Error).message || "Unknown error." });
    }
  }, [loadAppConfig, createSupabase]);

  useEffect(() => {
    void start();
  }, [start]);

  if (startup.kind === "loading") return <p className="centered muted">Loading Terrain…</p>;
  if (startup.kind === "failed") {
    return (
      <main className="centered">
        <section className="card">
          <h1>Terrain cannot start</h1>
          <p role="alert" className="error-message">
            The app configuration could not be loaded. {startup.message}
          </p>
          <button type="button" className="button primary" onClick={() => void start()}>
            Try again
          </button>
        </section>
      </main>
    );
  }
  return <SignedInGate supabase={startup.supabase} config={startup.config} />;
}

function SignedInGate({ supabase, config }: { supabase: TerrainClient; config: AppConfig }) {
  // undefined = not known yet (the stored session is being read), null = signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    // onAuthStateChange fires INITIAL_SESSION with the stored session, then every sign-in,
    // sign-out and token refresh, so it is the single source of truth for the session.
    const { data } = supabase.auth.onAuthStateChange((_event, nextSession) => setSession(nextSession));
    return () => data.subscription.unsubscribe();
  }, [supabase]);

  if (session === undefined) return <p className="centered muted">Loading Terrain…</p>;
  if (session === null) {
    return (
      <main className="centered">
        <LoginForm signIn={(credentials) => supabase.auth.signInWithPassword(credentials)} />
      </main>
    );
  }
  return <Home supabase={supabase} session={session} config={config} />;
}
