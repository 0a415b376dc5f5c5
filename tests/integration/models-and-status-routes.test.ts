import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv } from "./helpers/app";
import { createTestPool } from "./helpers/db";

const db = createTestPool(2);
let GET_MODELS: (request: Request) => Promise<Response>;
let GET_STATUS: (request: Request) => Promise<Response>;

beforeAll(async () => {
  useAppEnv();
  ({ GET: GET_MODELS } = await import("@/app/api/models/route"));
  ({ GET: GET_STATUS } = await import("@/app/api/tokens/current/route"));
});
afterAll(() => db.end());

describe("GET /api/models", () => {
  it("lists only the models the user's plan allows, and follows a plan change", async () => {
    const user = newTestUser();
    const free = await GET_MODELS(await appRequest("/api/models", { user }));
    expect(free.status).toBe(200);
    const freeBody = await free.json();
    expect(freeBody.plan).toBe("free");
    expect(freeBody.models.length).toBeGreaterThan(0);
    expect(freeBody.models.every((m: { tier: string }) => m.tier === "basic")).toBe(true);
    expect(freeBody.models[0]).toMatchObject({ id: expect.any(String), name: expect.any(String), contextWindow: expect.any(Number) });

    await db.query("select public.admin_set_plan($1, 'max', 'test')", [user.id]);
    const max = await (await GET_MODELS(await appRequest("/api/models", { user }))).json();
    expect(new Set(max.models.map((m: { tier: string }) => m.tier))).toEqual(new Set(["basic", "advanced", "premium"]));
  });

  it("401 when signed out", async () => {
    const response = await GET_MODELS(await appRequest("/api/models"));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});

describe("GET /api/tokens/current", () => {
  it("reports the user's own allowance and balance, read under their RLS", async () => {
    const user = newTestUser();
    await db.query("select public.admin_grant_tokens($1, 1234, 'welcome', 'test')", [user.id]);
    const response = await GET_STATUS(await appRequest("/api/tokens/current", { user }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ used: 0, cap: 40_000, balance: 1234, remaining: 41_234, plan: "free", period: "day" });
    expect(new Date(body.resetsAt).getTime()).toBeGreaterThan(Date.now());
  });

  it("401 when signed out or with a forged session cookie", async () => {
    expect((await GET_STATUS(await appRequest("/api/tokens/current"))).status).toBe(401);
    const forged = await appRequest("/api/tokens/current", { headers: { cookie: "tm_session=eyJzdWIiOiJ4In0.bad" } });
    expect((await GET_STATUS(forged)).status).toBe(401);
  });
});
