import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { createTestPool } from "./helpers/db";
import { callRpc, createServicePool, newRequestId, pgError, settleTokens } from "./helpers/metering";

/**
 * Admin analytics: the daily rollups kept by the usage_ledger trigger, admin_analytics, and the
 * routes GET /api/admin/analytics and /api/admin/analytics/export.csv. Other test files write to
 * the same database at the same time, always at today's date: this file's rows live in 2011, which
 * no one else uses, so every total here is exact.
 */
type Handler = (request: Request) => Promise<Response>;
let analyticsRoute: Record<string, Handler>;
let exportRoute: Record<string, Handler>;

const db = createTestPool(4);
const server = createServicePool(4);
const admin = newTestUser("Analytics admin");
const member = newTestUser("Analytics member");
const tag = randomUUID().slice(0, 8);
const users = [`user_an_a_${tag}`, `user_an_b_${tag}`, `user_an_c_${tag}`];
const MODELS = ["test/analytics-x", "test/analytics-y"];

/** Ledger rows straight into the ledger (the append-only guard allows INSERT), in one statement. */
async function insertLedger(rows: { user: string; model: string; at: string; input: number; output: number; cost: number | null }[]) {
  await db.query(
    `insert into public.usage_ledger (request_id, user_id, model, input_tokens, output_tokens, total_tokens, plan_tokens, balance_tokens, cost_usd, latency_ms, outcome, period, period_start, created_at)
     select r.request_id, r.user_id, r.model, r.input, r.output, r.input + r.output, r.input + r.output, 0, r.cost, 10, 'ok', 'day', date_trunc('day', r.at), r.at
     from jsonb_to_recordset($1::jsonb) as r(request_id text, user_id text, model text, input bigint, output bigint, cost numeric, at timestamptz)`,
    [JSON.stringify(rows.map((row) => ({ request_id: `an_${randomUUID()}`, user_id: row.user, model: row.model, input: row.input, output: row.output, cost: row.cost, at: row.at })))],
  );
}

/** The ledger's own sums for 2011 days, the oracle for every view. */
async function ledgerSums(groupBy: "day" | "model" | "user_id", from: string, to: string) {
  const key = groupBy === "day" ? "to_char((created_at at time zone 'UTC')::date, 'YYYY-MM-DD')" : groupBy;
  const { rows } = await db.query(
    `select ${key} as key, count(*)::int as requests, sum(input_tokens)::int as input, sum(output_tokens)::int as output,
            sum(total_tokens)::int as total, coalesce(sum(cost_usd), 0)::float8 as cost
     from public.usage_ledger where (created_at at time zone 'UTC')::date between $1::date and $2::date and user_id = any($3)
     group by 1 order by 1`,
    [from, to, users],
  );
  return rows as { key: string; requests: number; input: number; output: number; total: number; cost: number }[];
}

async function get(route: Record<string, Handler>, query: string, user: TestUser | undefined) {
  const path = route === exportRoute ? "/api/admin/analytics/export.csv" : "/api/admin/analytics";
  return route.GET!(await appRequest(`${path}?${query}`, { user }));
}

beforeAll(async () => {
  useAppEnv();
  analyticsRoute = (await import("@/app/api/admin/analytics/route")) as unknown as Record<string, Handler>;
  exportRoute = (await import("@/app/api/admin/analytics/export.csv/route")) as unknown as Record<string, Handler>;
  await db.query("select public.bootstrap_admins(array[$1])", [admin.id]);
  await db.query("insert into public.accounts (user_id) select unnest($1::text[]) on conflict do nothing", [users]);
  // Two statements, so the trigger adds to rows it created before.
  await insertLedger([
    { user: users[0]!, model: MODELS[0]!, at: "2011-03-01T00:00:00Z", input: 100, output: 50, cost: 0.001 },
    { user: users[0]!, model: MODELS[0]!, at: "2011-03-01T23:59:59.999Z", input: 10, output: 5, cost: null },
    { user: users[1]!, model: MODELS[1]!, at: "2011-03-01T12:00:00Z", input: 1000, output: 500, cost: 0.02 },
    { user: users[1]!, model: MODELS[0]!, at: "2011-03-03T12:00:00Z", input: 7, output: 3, cost: 0.0000001 },
  ]);
  await insertLedger([
    { user: users[0]!, model: MODELS[0]!, at: "2011-03-01T08:00:00Z", input: 1, output: 2, cost: 0.5 },
    { user: users[2]!, model: MODELS[1]!, at: "2011-03-04T00:00:00Z", input: 40, output: 60, cost: 0.003 },
    { user: users[2]!, model: MODELS[1]!, at: "2011-02-28T23:59:59Z", input: 9, output: 9, cost: 0.009 },
  ]);
});
afterAll(async () => {
  await Promise.all([db.end(), server.end()]);
});

describe("the daily rollups", () => {
  it("hold the ledger's sums per UTC day and user, and per UTC day, model and user bucket, null costs as 0", async () => {
    const { rows } = await db.query(
      `select to_char(day, 'YYYY-MM-DD') as day, user_id, requests::int, input_tokens::int, output_tokens::int, total_tokens::int, cost_usd::float8
       from public.usage_daily_users where user_id = any($1) order by 1, 2`,
      [users],
    );
    expect(rows).toEqual([
      { day: "2011-02-28", user_id: users[2], requests: 1, input_tokens: 9, output_tokens: 9, total_tokens: 18, cost_usd: 0.009 },
      { day: "2011-03-01", user_id: users[0], requests: 3, input_tokens: 111, output_tokens: 57, total_tokens: 168, cost_usd: 0.501 },
      { day: "2011-03-01", user_id: users[1], requests: 1, input_tokens: 1000, output_tokens: 500, total_tokens: 1500, cost_usd: 0.02 },
      { day: "2011-03-03", user_id: users[1], requests: 1, input_tokens: 7, output_tokens: 3, total_tokens: 10, cost_usd: 0.0000001 },
      { day: "2011-03-04", user_id: users[2], requests: 1, input_tokens: 40, output_tokens: 60, total_tokens: 100, cost_usd: 0.003 },
    ]);
    const byModel = await db.query(
      `select to_char(day, 'YYYY-MM-DD') as day, model, sum(requests)::int as requests, sum(total_tokens)::int as total, sum(cost_usd)::float8 as cost,
              bool_and(bucket between 0 and 63) as buckets_in_range
       from public.usage_daily_models where model = any($1) and day between '2011-02-01' and '2011-03-31' group by 1, 2 order by 1, 2`,
      [MODELS],
    );
    expect(byModel.rows).toEqual([
      { day: "2011-02-28", model: MODELS[1], requests: 1, total: 18, cost: 0.009, buckets_in_range: true },
      { day: "2011-03-01", model: MODELS[0], requests: 3, total: 168, cost: 0.501, buckets_in_range: true },
      { day: "2011-03-01", model: MODELS[1], requests: 1, total: 1500, cost: 0.02, buckets_in_range: true },
      { day: "2011-03-03", model: MODELS[0], requests: 1, total: 10, cost: 0.0000001, buckets_in_range: true },
      { day: "2011-03-04", model: MODELS[1], requests: 1, total: 100, cost: 0.003, buckets_in_range: true },
    ]);
  });

  it("follows a settled request in the same transaction", async () => {
    const userId = `user_an_settle_${tag}`;
    await settleTokens(server, { userId, requestId: newRequestId(), input: 12, output: 30 });
    await settleTokens(server, { userId, requestId: newRequestId(), input: 1, output: 2 });
    const { rows } = await db.query(
      `select (select sum(requests)::int from public.usage_daily_users where user_id = $1) as rolled,
              (select sum(total_tokens)::int from public.usage_daily_users where user_id = $1) as rolled_tokens,
              (select count(*)::int from public.usage_ledger where user_id = $1) as ledger,
              (select sum(total_tokens)::int from public.usage_ledger where user_id = $1) as ledger_tokens`,
      [userId],
    );
    expect(rows[0]).toEqual({ rolled: 2, rolled_tokens: 45, ledger: 2, ledger_tokens: 45 });
  });

  it("are closed to the server's writes and to signed-in users", async () => {
    expect((await pgError(server.query("insert into public.usage_daily_users values ('2011-01-01', 'x', 1, 1, 1, 2, 0)"))).code).toBe("42501");
    expect((await pgError(server.query("update public.usage_daily_models set requests = 99"))).code).toBe("42501");
    expect((await pgError(callRpc(server, "admin_analytics", { p_actor: member.id, p_view: "daily", p_from: "2011-03-01", p_to: "2011-03-02" }))).code).toBe("42501");
  });
});

describe("GET /api/admin/analytics", () => {
  it("daily: every day of the range, zeros included, equal to the ledger, with totals", async () => {
    const response = await get(analyticsRoute, "view=daily&from=2011-02-27&to=2011-03-04", admin);
    expect(response.status).toBe(200);
    const body = await response.json();
    const oracle = new Map((await ledgerSums("day", "2011-02-27", "2011-03-04")).map((row) => [row.key, row]));
    expect(body.rows.map((row: { day: string }) => row.day)).toEqual(["2011-02-27", "2011-02-28", "2011-03-01", "2011-03-02", "2011-03-03", "2011-03-04"]);
    for (const row of body.rows) {
      const expected = oracle.get(row.day) ?? { requests: 0, input: 0, output: 0, total: 0, cost: 0 };
      expect(row).toEqual({ day: row.day, requests: expected.requests, inputTokens: expected.input, outputTokens: expected.output, totalTokens: expected.total, costUsd: expected.cost });
    }
    expect(body.totals).toEqual({ requests: 7, inputTokens: 1167, outputTokens: 629, totalTokens: 1796, costUsd: 0.5330001 });
  });

  it("models and users: sorted by tokens, limited, equal to the ledger", async () => {
    const models = await (await get(analyticsRoute, "view=models&from=2011-03-01&to=2011-03-31", admin)).json();
    expect(models.rows).toEqual([
      { model: MODELS[1], requests: 2, inputTokens: 1040, outputTokens: 560, totalTokens: 1600, costUsd: 0.023 },
      { model: MODELS[0], requests: 4, inputTokens: 118, outputTokens: 60, totalTokens: 178, costUsd: 0.5010001 },
    ]);
    const top = await (await get(analyticsRoute, "view=users&from=2011-03-01&to=2011-03-31&limit=2", admin)).json();
    const oracle = (await ledgerSums("user_id", "2011-03-01", "2011-03-31")).sort((a, b) => b.total - a.total);
    expect(top.rows.map((row: { userId: string; totalTokens: number }) => [row.userId, row.totalTokens])).toEqual(
      oracle.slice(0, 2).map((row) => [row.key, row.total]),
    );
    expect(top.totals.totalTokens).toBe(1778); // the range's total, not only the top rows'
  });

  it("spikes: today's spend over twice the 30-day daily average", async () => {
    const spiker = `user_an_spike_${tag}`;
    const steady = `user_an_steady_${tag}`;
    const fresh = `user_an_fresh_${tag}`;
    await db.query("insert into public.accounts (user_id) select unnest($1::text[])", [[spiker, steady, fresh]]);
    const history = [];
    for (let day = 1; day <= 30; day += 1) {
      const at = new Date(Date.UTC(2011, 5, 30 - day, 12)).toISOString(); // the 30 days before 2011-06-30
      history.push({ user: spiker, model: MODELS[0]!, at, input: 10, output: 10, cost: 0.01 });
      history.push({ user: steady, model: MODELS[0]!, at, input: 10, output: 10, cost: 0.01 });
    }
    await insertLedger(history);
    await insertLedger([
      { user: spiker, model: MODELS[0]!, at: "2011-06-30T09:00:00Z", input: 100, output: 100, cost: 0.021 }, // 2.1x
      { user: steady, model: MODELS[0]!, at: "2011-06-30T09:00:00Z", input: 100, output: 100, cost: 0.02 }, // exactly 2x: not a spike
      { user: fresh, model: MODELS[1]!, at: "2011-06-30T10:00:00Z", input: 5, output: 5, cost: 0.005 }, // no history
    ]);
    const result = await callRpc<{ day: string; rows: unknown[] }>(server, "admin_analytics", {
      p_actor: admin.id,
      p_view: "spikes",
      p_from: null,
      p_to: null,
      p_now: "2011-06-30T23:00:00Z",
    });
    expect(result.day).toBe("2011-06-30");
    expect(result.rows).toEqual([
      { user_id: spiker, today_cost_usd: 0.021, today_tokens: 200, average_daily_cost_usd: 0.01, ratio: 2.1 },
      { user_id: fresh, today_cost_usd: 0.005, today_tokens: 10, average_daily_cost_usd: 0, ratio: null },
    ]);
  });

  it("refuses a non-admin (403) and bad input (400 naming the field)", async () => {
    expect((await get(analyticsRoute, "view=daily", member)).status).toBe(403);
    expect((await get(exportRoute, "view=daily", member)).status).toBe(403);
    expect((await get(analyticsRoute, "view=daily", undefined)).status).toBe(401);
    for (const [query, field] of [
      ["view=weekly", "view"],
      ["view=daily&from=2011-02-30", "from"],
      ["view=daily&from=2011-03-05&to=2011-03-01", "from"],
      ["view=daily&from=2010-01-01&to=2011-03-01", "from"],
      ["view=users&limit=0", "limit"],
    ] as const) {
      const response = await get(analyticsRoute, query, admin);
      expect(response.status, query).toBe(400);
      expect(JSON.stringify(await response.json()), query).toContain(field);
    }
  });
});

describe("GET /api/admin/analytics/export.csv", () => {
  it("downloads each view as CSV with the same numbers", async () => {
    const response = await get(exportRoute, "view=models&from=2011-03-01&to=2011-03-31", admin);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="tokenmeter-models-2011-03-01-to-2011-03-31.csv"');
    expect(await response.text()).toBe(
      "model,requests,input_tokens,output_tokens,total_tokens,cost_usd\r\n" +
        `${MODELS[1]},2,1040,560,1600,0.023\r\n` +
        `${MODELS[0]},4,118,60,178,0.5010001\r\n`,
    );
    const daily = (await (await get(exportRoute, "view=daily&from=2011-03-01&to=2011-03-02", admin)).text()).split("\r\n");
    expect(daily.slice(0, 3)).toEqual(["day,requests,input_tokens,output_tokens,total_tokens,cost_usd", "2011-03-01,4,1111,557,1668,0.521", "2011-03-02,0,0,0,0,0"]);
  });
});
