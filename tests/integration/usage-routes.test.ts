import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { createTestPool } from "./helpers/db";
import { callRpc, createServicePool, newRequestId, settleTokens } from "./helpers/metering";

/** GET /api/usage/{history,daily,by-model,export.csv}, called in-process against the run's database. */
type Handler = (request: Request) => Promise<Response>;
let GET_HISTORY: Handler;
let GET_DAILY: Handler;
let GET_BY_MODEL: Handler;
let GET_EXPORT: Handler;

const admin = createTestPool(2);
const server = createServicePool(4);

beforeAll(async () => {
  useAppEnv();
  ({ GET: GET_HISTORY } = await import("@/app/api/usage/history/route"));
  ({ GET: GET_DAILY } = await import("@/app/api/usage/daily/route"));
  ({ GET: GET_BY_MODEL } = await import("@/app/api/usage/by-model/route"));
  ({ GET: GET_EXPORT } = await import("@/app/api/usage/export.csv/route"));
});
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

const MINI = "openai/gpt-4o-mini";
const LLAMA = "meta-llama/llama-3.3-70b-instruct";
/** A model id that needs quoting in CSV (settle_tokens takes any id; the catalogue has no price for it). */
const ODD = 'acme/odd, "quoted" model';

/** Rows at a moment before now (`minutesAgo`, fractions allowed), all measured from one clock reading. */
async function seed(user: TestUser, rows: { minutesAgo: number; model?: string; input?: number; output?: number; costUsd?: number | null; outcome?: string }[]) {
  const base = Date.now();
  const ids: string[] = [];
  for (const row of rows) {
    const requestId = newRequestId();
    await settleTokens(server, {
      userId: user.id,
      requestId,
      model: row.model ?? MINI,
      input: row.input ?? 10,
      output: row.output ?? 20,
      costUsd: row.costUsd,
      outcome: row.outcome,
      now: new Date(base - Math.round(row.minutesAgo * 60_000)),
    });
    ids.push(requestId);
  }
  return ids;
}

/** Minutes since today's UTC midnight, less a margin: seeds within it stay in this period on a daily plan. */
function minutesIntoUtcDay(): number {
  const now = new Date();
  return Math.max(0, now.getUTCHours() * 60 + now.getUTCMinutes() + now.getUTCSeconds() / 60 - 0.5);
}

const get = async (handler: Handler, path: string, user?: TestUser) => handler(await appRequest(path, { user }));

describe("GET /api/usage/history", () => {
  it("answers { items, nextCursor, range } and its cursors walk every row once, newest first", async () => {
    const user = newTestUser();
    // 11 distinct times, newest first, all since today's UTC midnight (this period on the free plan).
    const step = Math.max(0.001, Math.min(50, minutesIntoUtcDay()) / 11);
    const ids = await seed(user, Array.from({ length: 11 }, (_, i) => ({ minutesAgo: i * step, model: i % 2 ? LLAMA : MINI, outcome: i === 3 ? "aborted" : "ok" })));

    const first = await get(GET_HISTORY, "/api/usage/history?range=period&limit=4", user);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toMatch(/^no-store(, no-transform)?$/);
    const body = await first.json();
    expect(Object.keys(body).sort()).toEqual(["items", "nextCursor", "range"]);
    expect(Object.keys(body.range).sort()).toEqual(["from", "to"]);
    expect(body.range.from).toMatch(/T00:00:00\.000Z$/); // the free plan's UTC day
    expect(body.items).toHaveLength(4);
    expect(body.items[0]).toEqual({
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      model: MINI,
      inputTokens: 10,
      outputTokens: 20,
      totalTokens: 30,
      costUsd: expect.any(Number),
      outcome: "ok",
      conversationId: null,
      requestId: ids[0],
    });
    expect(typeof body.nextCursor).toBe("string");

    const seen: string[] = body.items.map((i: { requestId: string }) => i.requestId);
    let cursor: string | null = body.nextCursor;
    while (cursor) {
      const page = await (await get(GET_HISTORY, `/api/usage/history?range=period&limit=4&cursor=${encodeURIComponent(cursor)}`, user)).json();
      expect(page.range).toEqual(body.range); // the listing keeps its range
      seen.push(...page.items.map((i: { requestId: string }) => i.requestId));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(ids);
    expect(seen[3]).toBe(ids[3]);
  });

  it("shows the conversation of each request, and null once the conversation is deleted", async () => {
    const user = newTestUser();
    const [requestId] = await seed(user, [{ minutesAgo: 0 }]);
    const conversationId = randomUUID();
    await callRpc(server, "save_chat_exchange", {
      p_user_id: user.id,
      p_conversation_id: conversationId,
      p_title: "t",
      p_model: MINI,
      p_user_message: "hi",
      p_assistant_message: "hello",
      p_request_id: requestId,
    });
    const before = await (await get(GET_HISTORY, "/api/usage/history?range=7d", user)).json();
    expect(before.items.map((i: { conversationId: string | null }) => i.conversationId)).toEqual([conversationId]);
    await callRpc(server, "delete_conversation", { p_user_id: user.id, p_conversation_id: conversationId });
    const after = await (await get(GET_HISTORY, "/api/usage/history?range=7d", user)).json();
    expect(after.items).toEqual([{ ...before.items[0], conversationId: null }]);
  });

  it("never shows another user's rows", async () => {
    const alice = newTestUser();
    const bob = newTestUser();
    await seed(alice, [{ minutesAgo: 0 }, { minutesAgo: 0 }]);
    const [bobs] = await seed(bob, [{ minutesAgo: 0, model: LLAMA }]);
    const body = await (await get(GET_HISTORY, "/api/usage/history?range=30d&limit=100", bob)).json();
    expect(body.items.map((i: { requestId: string }) => i.requestId)).toEqual([bobs]);
    const byModel = await (await get(GET_BY_MODEL, "/api/usage/by-model?range=30d", bob)).json();
    expect(byModel.map((m: { model: string; requests: number }) => [m.model, m.requests])).toEqual([[LLAMA, 1]]);
  });

  it("a cursor is only good for its own range", async () => {
    const user = newTestUser();
    await seed(user, [{ minutesAgo: 0 }, { minutesAgo: 0 }]);
    const { nextCursor } = await (await get(GET_HISTORY, "/api/usage/history?range=7d&limit=1", user)).json();
    const response = await get(GET_HISTORY, `/api/usage/history?range=30d&limit=1&cursor=${nextCursor}`, user);
    expect(response.status).toBe(400);
    expect((await response.json()).error.details.fields).toEqual([{ field: "cursor", message: "belongs to range 7d, not 30d" }]);
  });
});

describe("GET /api/usage/daily", () => {
  it("answers { days, models }: 30 UTC days up to today, zero-filled, stacked by model, equal to the ledger's sums", async () => {
    const user = newTestUser();
    const recent = minutesIntoUtcDay();
    await seed(user, [
      { minutesAgo: 0, model: MINI, input: 100, output: 50, costUsd: 0.25 },
      { minutesAgo: recent, model: MINI, input: 1, output: 2, costUsd: 0.5 },
      { minutesAgo: 0, model: LLAMA, input: 7, output: 8, costUsd: null },
      { minutesAgo: recent + 3 * 24 * 60, model: LLAMA, input: 1000, output: 1, costUsd: 1 },
      { minutesAgo: recent + 40 * 24 * 60, model: ODD, input: 5, output: 5 }, // older than 30 days
    ]);
    const response = await get(GET_DAILY, "/api/usage/daily?days=30", user);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(["days", "models"]);
    expect(body.days).toHaveLength(30);
    const today = new Date().toISOString().slice(0, 10);
    const threeDaysAgo = new Date(Date.now() - (recent + 3 * 24 * 60) * 60_000).toISOString().slice(0, 10);
    expect(body.days.at(-1).date).toBe(today);
    expect(body.days.at(-1)).toEqual({
      date: today,
      byModel: { [MINI]: { tokens: 153, requests: 2, costUsd: 0.75 }, [LLAMA]: { tokens: 15, requests: 1, costUsd: expect.any(Number) } },
      totalTokens: 168,
      requests: 3,
      costUsd: expect.any(Number),
    });
    // LLAMA's cost came from the catalogue (no provider cost given): what the ledger holds.
    const { rows } = await admin.query<{ cost: string }>("select sum(cost_usd) as cost from public.usage_ledger where user_id = $1 and model = $2 and total_tokens = 15", [user.id, LLAMA]);
    expect(body.days.at(-1).byModel[LLAMA].costUsd).toBe(Number(rows[0]!.cost));
    expect(body.days.at(-1).costUsd).toBeCloseTo(0.75 + Number(rows[0]!.cost), 12);
    const old = body.days.find((d: { date: string }) => d.date === threeDaysAgo);
    expect(old).toEqual({ date: threeDaysAgo, byModel: { [LLAMA]: { tokens: 1001, requests: 1, costUsd: 1 } }, totalTokens: 1001, requests: 1, costUsd: 1 });
    const empty = body.days.filter((d: { requests: number }) => d.requests === 0);
    expect(empty.length).toBeGreaterThanOrEqual(27);
    expect(empty[0]).toEqual({ date: expect.any(String), byModel: {}, totalTokens: 0, requests: 0, costUsd: 0 });
    expect(body.models).toEqual([LLAMA, MINI]);
  });

  it("days defaults to 30", async () => {
    const body = await (await get(GET_DAILY, "/api/usage/daily", newTestUser())).json();
    expect(body.days).toHaveLength(30);
    expect(body.models).toEqual([]);
  });
});

describe("GET /api/usage/by-model", () => {
  it("answers [{ model, requests, inputTokens, outputTokens, totalTokens, costUsd }], most tokens first, equal to the ledger's sums", async () => {
    const user = newTestUser();
    await seed(user, [
      { minutesAgo: 0, model: MINI, input: 100, output: 50, costUsd: 0.25 },
      { minutesAgo: 0, model: MINI, input: 1, output: 2, costUsd: 0.5 },
      { minutesAgo: 0, model: LLAMA, input: 700, output: 8, costUsd: null, outcome: "error" },
      { minutesAgo: 9 * 24 * 60, model: ODD, input: 5, output: 5, costUsd: 2 }, // outside 7d, inside 30d
    ]);
    const week = await get(GET_BY_MODEL, "/api/usage/by-model?range=7d", user);
    expect(week.status).toBe(200);
    expect(await week.json()).toEqual([
      { model: LLAMA, requests: 1, inputTokens: 700, outputTokens: 8, totalTokens: 708, costUsd: expect.any(Number) },
      { model: MINI, requests: 2, inputTokens: 101, outputTokens: 52, totalTokens: 153, costUsd: 0.75 },
    ]);
    const month = await (await get(GET_BY_MODEL, "/api/usage/by-model?range=30d", user)).json();
    expect(month.map((m: { model: string }) => m.model)).toEqual([LLAMA, MINI, ODD]);
    expect(month[2]).toEqual({ model: ODD, requests: 1, inputTokens: 5, outputTokens: 5, totalTokens: 10, costUsd: 2 });
    const { rows } = await admin.query<{ n: string; tokens: string }>(
      "select count(*) as n, sum(total_tokens) as tokens from public.usage_ledger where user_id = $1",
      [user.id],
    );
    expect(month.reduce((s: number, m: { requests: number }) => s + m.requests, 0)).toBe(Number(rows[0]!.n));
    expect(month.reduce((s: number, m: { totalTokens: number }) => s + m.totalTokens, 0)).toBe(Number(rows[0]!.tokens));
  });
});

describe("bad input and signed-out calls", () => {
  it.each([
    ["/api/usage/history?range=year", "range"],
    ["/api/usage/history?limit=0", "limit"],
    ["/api/usage/history?limit=101", "limit"],
    ["/api/usage/history?limit=abc", "limit"],
    ["/api/usage/history?cursor=not-a-cursor", "cursor"],
    ["/api/usage/daily?days=0", "days"],
    ["/api/usage/daily?days=91", "days"],
    ["/api/usage/by-model?range=", "range"],
    ["/api/usage/export.csv?range=all", "range"],
  ])("%s is a 400 naming %s", async (path, field) => {
    const handler = path.includes("/history") ? GET_HISTORY : path.includes("/daily") ? GET_DAILY : path.includes("/by-model") ? GET_BY_MODEL : GET_EXPORT;
    const response = await get(handler, path, newTestUser());
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe("bad_request");
    expect(body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    expect(body.error.message).toContain(field);
  });

  it.each([
    ["/api/usage/history", () => GET_HISTORY],
    ["/api/usage/daily", () => GET_DAILY],
    ["/api/usage/by-model", () => GET_BY_MODEL],
    ["/api/usage/export.csv", () => GET_EXPORT],
  ])("%s is a 401 when signed out", async (path, handler) => {
    const response = await get(handler(), path);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
