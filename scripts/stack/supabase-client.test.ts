/**
 * supabase-js clients created by Node code (integration tests, scripts): they
 * must work on Node 20, which has no global WebSocket — supabase-js builds its
 * realtime client eagerly and throws at createClient without one.
 */
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { createNodeClient } from "./supabase-client.ts";

const servers: WebSocketServer[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

describe("createNodeClient", () => {
  it("creates a client on this Node and its realtime socket really connects (over ws)", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    servers.push(server);
    await new Promise((r) => server.once("listening", r));
    const connected = new Promise<string>((resolve) => server.once("connection", (_socket, req) => resolve(req.url ?? "")));

    const { port } = server.address() as AddressInfo;
    const client = createNodeClient(`http://127.0.0.1:${port}`, "anon-key");
    client.channel("probe").subscribe();
    const path = await connected;
    expect(path).toMatch(/^\/realtime\/v1\/websocket\?/);
    expect(path).toContain("apikey=anon-key");
    await client.removeAllChannels();
    client.realtime.disconnect();
  });

  it("keeps the caller's options (no session persistence, extra headers)", async () => {
    const client = createNodeClient("http://127.0.0.1:9", "anon-key", {
      auth: { persistSession: false },
      global: { headers: { Authorization: "Bearer user-token" } },
    });
    expect(client.realtime).toBeDefined();
    expect((await client.auth.getSession()).data.session).toBeNull();
  });
});
