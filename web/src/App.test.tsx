import type { AuthChangeEvent, Session } from "@supabase/supabase-js";
import type { TerrainClient } from "./supabase.ts";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App.tsx";
import type { AppConfig } from "./config.ts";

const config: AppConfig = { supabaseUrl: "http://127.0.0.1:54321", anonKey: "anon-key" };

/**
 * Just enough of supabase.auth for the app: a session store that notifies listeners
 * the way onAuthStateChange does (INITIAL_SESSION first, then SIGNED_IN / SIGNED_OUT).
 */
function fakeSupabase({ password }: { password: string }) {
  type Listener = (event: AuthChangeEvent, session: Session | null) => void;
  const listeners = new Set<Listener>();
  let session: Session | null = null;
  const emit = (event: AuthChangeEvent) => listeners.forEach((listener) => listener(event, session));
  const auth = {
    onAuthStateChange: vi.fn((listener: Listener) => {
      listeners.add(listener);
      queueMicrotask(() => listener("INITIAL_SESSION", session));
      return { data: { subscription: { unsubscribe: () => listeners.delete(listener) } } };
    }),
    signInWithPassword: vi.fn(async (credentials: { email: string; password: string }) => {
      if (credentials.password !== password) return { data: {}, error: { message: "Invalid login credentials" } };
      session = { access_token: "user-jwt", user: { email: credentials.email } } as Session;
      emit("SIGNED_IN");
      return { data: { session }, error: null };
    }),
    signOut: vi.fn(async () => {
      session = null;
      emit("SIGNED_OUT");
      return { error: null };
    }),
  };
  return { auth } as unknown as TerrainClient & { auth: typeof auth };
}

describe("App", () => {
  it("shows a clear error screen when the configuration cannot be loaded, and retries", async () => {
    const loadAppConfig = vi
      .fn<() => Promise<AppConfig>>()
      .mockRejectedValueOnce(new Error("/config.json answered HTTP 404 Not Found."))
      .mockResolvedValueOnce(config);
    const supabase = fakeSupabase({ password: "right" });
    render(<App loadAppConfig={loadAppConfig} createSupabase={() => supabase} />);

    expect(await screen.findByRole("heading", { name: "Terrain cannot start" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("/config.json answered HTTP 404 Not Found.");

    await userEvent.setup().click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "Sign in to Terrain" })).toBeInTheDocument();
  });

  it("signs in, shows the user and the system status, and signs out", async () => {
    const supabase = fakeSupabase({ password: "right" });
    const healthFetch = vi.spyOn(window, "fetch").mockImplementation(async () =>
      Response.json({ version: "0.1.0", checks: { database: true, migrations: true, pg_cron: true } }),
    );
    render(<App loadAppConfig={async () => config} createSupabase={() => supabase} />);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText("Email"), "tech@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid login credentials");

    await user.clear(screen.getByLabelText("Password"));
    await user.type(screen.getByLabelText("Password"), "right");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByText("tech@example.com")).toBeInTheDocument();
    expect(await screen.findByText("All checks pass.")).toBeInTheDocument();
    expect(screen.getByText(/the backend already serves missions, timesheets, stock, quotes and invoices/i)).toBeInTheDocument();
    expect(screen.queryByText(/arrive with the domain schema/)).not.toBeInTheDocument();
    expect(healthFetch).toHaveBeenCalledWith(
      "http://127.0.0.1:54321/functions/v1/health",
      expect.objectContaining({ headers: expect.objectContaining({ Authorization: "Bearer user-jwt" }) }),
    );

    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(supabase.auth.signOut).toHaveBeenCalled();
    expect(await screen.findByRole("heading", { name: "Sign in to Terrain" })).toBeInTheDocument();
    expect(screen.queryByText("tech@example.com")).not.toBeInTheDocument();
  });
});
