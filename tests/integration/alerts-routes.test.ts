import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenStatusView } from "@/lib/client/token-status";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { createTestPool } from "./helpers/db";
import { newRequestId } from "./helpers/metering";

/** POST /api/tokens/alerts/ack and the alerts of GET /api/tokens/current, through the route handlers. */

let ackRoute: typeof import("@/app/api/tokens/alerts/ack/route");
let statusRoute: typeof import("@/app/api/tokens/current/route");
beforeAll(async () => {
  useAppEnv(); // before the app's modules load: lib/env.ts parses on first use
  ackRoute = await import("@/app/api/tokens/alerts/ack/route");
  statusRoute = await import("@/app/api/tokens/current/route");
});

const db = createTestPool(2);
afterAll(async () => {
  await db.end();
  // The app's own pool (lib/db/pool.ts), opened by the handlers: close it and forget it.
  const app = globalThis as { tokenmeterPool?: { end(): Promise<void> }; tokenmeterRpc?: unknown };
  await app.tokenmeterPool?.end();
  delete app.tokenmeterPool;
  delete app.tokenmeterRpc;
});

type ErrorBody = { error: { code: string; message: string; details?: { fields?: { field: string }[] } } };

const ack = async (user: TestUser | undefined, json: unknown) => ackRoute.POST(await appRequest("/api/tokens/alerts/ack", { method: "POST", user, json }));

async function current(user: TestUser): Promise<TokenStatusView> {
  const response = await statusRoute.GET(await appRequest("/api/tokens/current", { user }));
  expect(response.status).toBe(200);
  return (await response.json()) as TokenStatusView;
}

/** A user at 96% of a 1,000-token cap this (real) period: both thresholds crossed by one settle. */
async function userPast95(): Promise<TestUser> {
  const user = newTestUser();
  await db.query("select public.admin_set_cap_override($1, 1000, 'test')", [user.id]);
  await db.query("select public.settle_tokens($1, $2, 'openai/gpt-4o-mini', 900, 60)", [newRequestId(), user.id]);
  return user;
}

describe("GET /api/tokens/current: alerts", () => {
  it("carries the crossings of this period, ascending, with ISO times", async () => {
    const user = await userPast95();
    const status = await current(user);
    expect(status).toMatchObject({ used: 960, cap: 1000, alerts: [{ threshold: 80 }, { threshold: 95 }] });
    for (const alert of status.alerts) {
      expect(new Date(alert.crossedAt).toISOString()).toBe(alert.crossedAt);
      expect(Date.now() - Date.parse(alert.crossedAt)).toBeLessThan(5 * 60_000);
    }
  });

  it("is empty for a new user", async () => {
    expect((await current(newTestUser())).alerts).toEqual([]);
  });
});

describe("POST /api/tokens/alerts/ack", () => {
  it("answers the status view without the acknowledged ones; every later read (another device) agrees; idempotent", async () => {
    const user = await userPast95();
    const before = await current(user);

    const first = await ack(user, { thresholds: [80] });
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toMatch(/^no-store(, no-transform)?$/);
    const afterFirst = (await first.json()) as TokenStatusView;
    expect(afterFirst).toEqual({ ...before, alerts: [before.alerts[1]] });
    expect((await current(user)).alerts).toEqual([before.alerts[1]]);

    const second = await ack(user, { thresholds: [80, 95] });
    expect(second.status).toBe(200);
    expect(((await second.json()) as TokenStatusView).alerts).toEqual([]);
    const again = await ack(user, { thresholds: [80, 95] });
    expect(again.status).toBe(200);
    expect(((await again.json()) as TokenStatusView).alerts).toEqual([]);
    expect(await current(user)).toEqual({ ...before, alerts: [] });
  });

  it("acknowledges the caller's own alerts only", async () => {
    const owner = await userPast95();
    const other = await userPast95();
    expect((await ack(other, { thresholds: [80, 95] })).status).toBe(200);
    expect((await current(owner)).alerts.map((a) => a.threshold)).toEqual([80, 95]);
    expect((await current(other)).alerts).toEqual([]);
  });

  it("401 when signed out", async () => {
    const response = await ack(undefined, { thresholds: [80] });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it.each([
    ["no thresholds", {}, "thresholds"],
    ["an empty list", { thresholds: [] }, "thresholds"],
    ["a threshold that is not a warning", { thresholds: [50] }, "thresholds.0"],
    ["a string", { thresholds: "80" }, "thresholds"],
  ])("400 naming the field for %s, and nothing is acknowledged", async (_name, json, field) => {
    const user = await userPast95();
    const response = await ack(user, json);
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("bad_request");
    expect(body.error.details?.fields?.map((f) => f.field)).toContain(field);
    expect((await current(user)).alerts).toHaveLength(2);
  });

  it("400 for a body that is not JSON", async () => {
    const user = newTestUser();
    const response = await ackRoute.POST(
      await appRequest("/api/tokens/alerts/ack", { method: "POST", user, body: "thresholds=80", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "bad_request", details: { fields: [{ field: "(body)" }] } } });
  });
});
