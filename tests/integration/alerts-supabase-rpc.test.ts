import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createSupabaseRpcClient } from "@/lib/db/supabase-rpc";
import { createMeteringStore } from "@/lib/metering/store";

/**
 * Acknowledging alerts over the supabase-js adapter, against a local HTTP server playing PostgREST:
 * the thresholds travel as PostgreSQL's array literal (a JSON string, which PostgREST hands to
 * integer[]'s input function: alerts-usage-alerts.test.ts checks that parse), with the user's JWT or,
 * without one, as the server.
 */

const SERVICE_KEY = "service-role-key-for-tests";
const ANON_KEY = "anon-key-for-tests";
const USER_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyX2EifQ.c2ln";

const status = {
  user_id: "user_a",
  plan: "free",
  plan_name: "Free",
  period: "day",
  period_start: "2026-11-25T00:00:00.000Z",
  resets_at: "2026-11-26T00:00:00.000Z",
  used: 38_400,
  cap: 40_000,
  held: 0,
  remaining: 1_600,
  balance: 0,
  alerts: [{ threshold: 95, crossed_at: "2026-11-25T10:00:00.000Z" }],
};

type Recorded = { path: string; headers: http.IncomingHttpHeaders; body: unknown };
let requests: Recorded[] = [];
const server = http.createServer((req, res) => {
  let raw = "";
  req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
  req.on("end", () => {
    requests.push({ path: new URL(req.url ?? "/", "http://x").pathname, headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(status));
  });
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
});

const createStore = () =>
  createMeteringStore(createSupabaseRpcClient({ url: baseUrl, serviceRoleKey: SERVICE_KEY, anonKey: ANON_KEY, realtimeTransport: WebSocket }));

describe("supabase-js adapter: acknowledging alerts", () => {
  it("acknowledgeMyAlerts: one POST /rest/v1/rpc/acknowledge_my_usage_alerts with the user's JWT; the status parses with its alerts", async () => {
    const result = await createStore().acknowledgeMyAlerts({ userId: "user_a", accessToken: USER_JWT }, [80]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ path: "/rest/v1/rpc/acknowledge_my_usage_alerts", body: { p_thresholds: "{80}" } });
    expect(requests[0]!.headers).toMatchObject({ apikey: ANON_KEY, authorization: `Bearer ${USER_JWT}` });
    expect(JSON.stringify(requests[0]!.headers)).not.toContain(SERVICE_KEY);
    expect(result.alerts).toEqual([{ threshold: 95, crossedAt: new Date("2026-11-25T10:00:00.000Z") }]);
  });

  it("without a user token (the dev sign-in): acknowledge_usage_alerts as the server, for that user", async () => {
    await createStore().acknowledgeMyAlerts({ userId: "user_a" }, [80, 95]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ path: "/rest/v1/rpc/acknowledge_usage_alerts", body: { p_user_id: "user_a", p_thresholds: "{80,95}" } });
    expect(requests[0]!.headers).toMatchObject({ apikey: SERVICE_KEY, authorization: `Bearer ${SERVICE_KEY}` });
  });
});
