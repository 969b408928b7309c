import type { Session } from "@supabase/supabase-js";
import type { TerrainClient } from "../supabase.ts";
import { useCallback, useState } from "react";
import type { AppConfig } from "../config.ts";
import { fetchHealth } from "../health.ts";
import { SystemStatus } from "./SystemStatus.tsx";

export function Home({ supabase, session, config }: { supabase: TerrainClient; session: Session; config: AppConfig }) {
  const [signingOut, setSigningOut] = useState(false);
  const accessToken = session.access_token;

  const loadHealth = useCallback(
    () => fetchHealth({ ...config, accessToken, fetch: window.fetch.bind(window) }),
    [config, accessToken],
  );

  async function signOut() {
    setSigningOut(true);
    const { error } = await supabase.auth.signOut();
    // If the server cannot revoke the session (offline, auth down), still forget it on this device:
    // the person asked to sign out, and the listener in App returns to the login screen.
    if (error) await supabase.auth.signOut({ scope: "local" });
    setSigningOut(false);
  }

  return (
    <>
      <header className="app-header">
        <span className="brand">Terrain</span>
        <span className="user-email" title={session.user.email}>
          {session.user.email ?? "Signed in"}
        </span>
        <button type="button" className="button" onClick={() => void signOut()} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </header>
      <main className="content">
        <SystemStatus loadHealth={loadHealth} />
        <section className="card" aria-labelledby="next-title">
          <h2 id="next-title">What comes next</h2>
          <p>
            Technicians will see today's missions, dispatchers and admins the alert dashboard, clients their
            sites and invoices.
          </p>
          <p>
            The backend already serves missions, timesheets, stock, quotes and invoices, with their rules in the
            database; the screens for them are the next step.
          </p>
        </section>
      </main>
    </>
  );
}
