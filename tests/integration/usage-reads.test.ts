import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { asRole, createTestPool } from "./helpers/db";
import { adminSetPlan, callRpc, createServicePool, newRequestId, newUserId, pgError, settleTokens } from "./helpers/metering";

/**
 * The usage reads (supabase/migrations/*_create_usage_reads.sql) against a real PostgreSQL: as the
 * signed-in user under RLS (get_my_usage_*), as the server (get_usage_*), and as anon.
 */
const admin = createTestPool(4); // superuser: the oracle reads behind the functions
const server = createServicePool(4);
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

const claims = (sub: string) => ({ sub, role: "authenticated" });
const MODELS = ["openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct", "openai/gpt-4o"];
/** A fixed clock for the reads (and the seeds): mid-month, mid-day UTC. */
const NOW = new Date("2026-06-15T12:00:00.000Z");
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Item = {
  request_id: string;
  created_at: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  outcome: string;
  conversation_id: string | null;
};
type HistoryPage = {
  items: Item[];
  next_cursor: { created_at: string; id: number } | null;
  range: { from: string; to: string };
  as_of: string;
};
type Daily = {
  from: string;
  to: string;
  days: { date: string; by_model: Record<string, { tokens: number; requests: number; cost_usd: number }>; total_tokens: number; requests: number; cost_usd: number }[];
  models: string[];
};
type ByModel = {
  range: { from: string; to: string };
  models: { model: string; requests: number; input_tokens: number; output_tokens: number; total_tokens: number; cost_usd: number }[];
};

function asUser<T>(userId: string, fn: string, args: Record<string, unknown>): Promise<T> {
  return asRole(admin, "authenticated", claims(userId), (c) => callRpc<T>(c, fn, args));
}

const history = (userId: string, args: { range: string; limit?: number; before?: { created_at: string; id: number } | null; now?: string }) =>
  asUser<HistoryPage>(userId, "get_my_usage_history", {
    p_range: args.range,
    p_limit: args.limit,
    p_before_created_at: args.before?.created_at,
    p_before_id: args.before?.id,
    p_now: args.now ?? NOW.toISOString(),
  });

/** Every page of a listing, following the cursor with the first page's clock. */
async function walk(userId: string, range: string, limit: number, now = NOW.toISOString()) {
  const pages: HistoryPage[] = [];
  let before: HistoryPage["next_cursor"] = null;
  let asOf = now;
  do {
    const page = await history(userId, { range, limit, before, now: asOf });
    pages.push(page);
    before = page.next_cursor;
    asOf = page.as_of;
  } while (before && pages.length < 1000);
  return pages;
}

async function settleAt(userId: string, at: Date, a: { model?: string; input?: number; output?: number; costUsd?: number | null; outcome?: string; requestId?: string } = {}) {
  const requestId = a.requestId ?? newRequestId();
  await settleTokens(server, {
    userId,
    requestId,
    model: a.model ?? MODELS[0],
    input: a.input ?? 10,
    output: a.output ?? 20,
    costUsd: a.costUsd,
    outcome: a.outcome,
    now: at,
  });
  return requestId;
}

/** The ledger as the superuser sees it, newest first: the oracle. */
async function ledger(userId: string, from?: Date | string, to?: Date | string) {
  const { rows } = await admin.query<{ request_id: string; model: string; input_tokens: string; output_tokens: string; total_tokens: string; cost_usd: string | null; created_at: Date }>(
    `select request_id, model, input_tokens, output_tokens, total_tokens, cost_usd, created_at from public.usage_ledger
     where user_id = $1 and ($2::timestamptz is null or created_at >= $2) and ($3::timestamptz is null or created_at <= $3)
     order by created_at desc, id desc`,
    [userId, from ?? null, to ?? null],
  );
  return rows;
}

describe("get_my_usage_history", () => {
  it("walks every row of the range exactly once, newest first, across rows sharing a time", async () => {
    const userId = newUserId();
    const times = [1, 2, 2, 2, 3, 5, 5, 8, 13, 21, 21, 34, 55, 55, 55, 55, 89, 100, 120, 150, 160].map((m) => ago(m * 60_000));
    for (const at of times) await settleAt(userId, at, { model: MODELS[at.getTime() % 3]!, input: at.getUTCMinutes(), output: 3 });

    const expected = (await ledger(userId)).map((r) => r.request_id);
    expect(expected).toHaveLength(times.length);
    for (const limit of [1, 4, 5, 21, 1000]) {
      const pages = await walk(userId, "7d", limit);
      const seen = pages.flatMap((p) => p.items.map((i) => i.request_id));
      expect(seen, `limit ${limit}`).toEqual(expected);
      expect(pages.every((p, i) => p.items.length === limit || i === pages.length - 1)).toBe(true);
      expect(pages.at(-1)!.next_cursor).toBeNull();
    }
    const first = await history(userId, { range: "7d", limit: 2 });
    expect(first.items[0]).toEqual({
      request_id: expected[0],
      created_at: ago(60_000).toISOString(),
      model: expect.any(String),
      input_tokens: expect.any(Number),
      output_tokens: 3,
      total_tokens: expect.any(Number),
      cost_usd: expect.any(Number),
      outcome: "ok",
      conversation_id: null,
    });
    expect(first.next_cursor!.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(first.as_of).toBe("2026-06-15T12:00:00.000000Z");
  });

  it("keeps a listing's range while new rows arrive and time passes: later pages use the first page's clock", async () => {
    const userId = newUserId();
    for (let i = 0; i < 6; i++) await settleAt(userId, ago((7 * 24 - 1) * HOUR + i * 60_000)); // just inside 7d at NOW
    const first = await history(userId, { range: "7d", limit: 3 });
    expect(first.items).toHaveLength(3);
    await settleAt(userId, ago(60_000)); // newer than the cursor: not part of this listing's later pages
    const second = await history(userId, { range: "7d", limit: 3, before: first.next_cursor, now: first.as_of });
    expect(second.items).toHaveLength(3);
    expect(second.next_cursor).toBeNull();
    // The same position two hours later (a moved clock) would have lost rows that aged out of 7d.
    const moved = await history(userId, { range: "7d", limit: 3, before: first.next_cursor, now: new Date(NOW.getTime() + 2 * HOUR).toISOString() });
    expect(moved.items.length).toBeLessThan(3);
  });

  it("filters by range: this period (the plan's UTC day or month), 7 days, 30 days, bounds included", async () => {
    const userId = newUserId();
    const at = {
      hourAgo: ago(HOUR),
      todayStart: new Date("2026-06-15T00:00:00.000Z"),
      yesterday: ago(13 * HOUR),
      twoDays: ago(2 * DAY),
      sevenDaysExactly: ago(7 * DAY),
      eightDays: ago(8 * DAY),
      monthStart: new Date("2026-06-01T00:00:00.000Z"),
      lastMonth: new Date("2026-05-31T23:59:59.999Z"),
      thirtyDaysExactly: ago(30 * DAY),
      fortyDays: ago(40 * DAY),
      later: new Date(NOW.getTime() + 1),
    };
    const ids = Object.fromEntries(await Promise.all(Object.entries(at).map(async ([name, when]) => [name, await settleAt(userId, when)]))) as Record<keyof typeof at, string>;
    const names = async (range: string) => {
      const page = await history(userId, { range, limit: 100 });
      const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
      return { names: page.items.map((i) => byId.get(i.request_id)), range: page.range };
    };

    // Free plan: the UTC day.
    expect(await names("period")).toEqual({
      names: ["hourAgo", "todayStart"],
      range: { from: "2026-06-15T00:00:00.000Z", to: "2026-06-15T12:00:00.000Z" },
    });
    expect(await names("7d")).toEqual({
      names: ["hourAgo", "todayStart", "yesterday", "twoDays", "sevenDaysExactly"],
      range: { from: "2026-06-08T12:00:00.000Z", to: "2026-06-15T12:00:00.000Z" },
    });
    expect((await names("30d")).names).toEqual([
      "hourAgo", "todayStart", "yesterday", "twoDays", "sevenDaysExactly", "eightDays", "monthStart", "lastMonth", "thirtyDaysExactly",
    ]);

    // Pro: the UTC month; the same start the gauge reports.
    await adminSetPlan(server, userId, "pro");
    expect(await names("period")).toEqual({
      names: ["hourAgo", "todayStart", "yesterday", "twoDays", "sevenDaysExactly", "eightDays", "monthStart"],
      range: { from: "2026-06-01T00:00:00.000Z", to: "2026-06-15T12:00:00.000Z" },
    });
    const status = await asUser<{ period_start: string }>(userId, "get_my_token_status", { p_now: NOW.toISOString() });
    expect(status.period_start).toBe("2026-06-01T00:00:00.000Z");
  });

  it("a user with no account yet is on the free plan's day, and has no rows", async () => {
    const page = await history(newUserId(), { range: "period" });
    expect(page).toEqual({ items: [], next_cursor: null, range: { from: "2026-06-15T00:00:00.000Z", to: "2026-06-15T12:00:00.000Z" }, as_of: "2026-06-15T12:00:00.000000Z" });
  });

  it("shows the request's conversation, and null once it is deleted: the ledger row stays as it was", async () => {
    const userId = newUserId();
    const conversationId = randomUUID();
    const requestId = await settleAt(userId, ago(HOUR));
    const other = await settleAt(userId, ago(2 * HOUR));
    await callRpc(server, "save_chat_exchange", {
      p_user_id: userId,
      p_conversation_id: conversationId,
      p_title: "t",
      p_model: MODELS[0],
      p_user_message: "hi",
      p_assistant_message: "hello",
      p_request_id: requestId,
    });
    const before = await history(userId, { range: "7d" });
    expect(before.items.map((i) => [i.request_id, i.conversation_id])).toEqual([
      [requestId, conversationId],
      [other, null],
    ]);
    const ledgerBefore = (await admin.query("select * from public.usage_ledger where user_id = $1 order by id", [userId])).rows;

    await callRpc(server, "delete_conversation", { p_user_id: userId, p_conversation_id: conversationId });

    const after = await history(userId, { range: "7d" });
    expect(after.items.map((i) => [i.request_id, i.conversation_id])).toEqual([
      [requestId, null],
      [other, null],
    ]);
    expect(after.items).toEqual(before.items.map((item) => ({ ...item, conversation_id: null })));
    expect((await admin.query("select * from public.usage_ledger where user_id = $1 order by id", [userId])).rows).toEqual(ledgerBefore);
  });

  it.each([
    [{ p_range: "1y" }, "get_my_usage_history: p_range must be 'period', '7d' or '30d' (got '1y')"],
    [{ p_range: null }, "get_my_usage_history: p_range must be 'period', '7d' or '30d' (got NULL)"],
    [{ p_range: "7d", p_limit: 0 }, "get_my_usage_history: p_limit must be between 1 and 1000 (got 0)"],
    [{ p_range: "7d", p_limit: 1001 }, "get_my_usage_history: p_limit must be between 1 and 1000 (got 1001)"],
    [{ p_range: "7d", p_before_id: 5 }, "get_my_usage_history: p_before_created_at and p_before_id must be given together"],
  ])("refuses bad arguments with 22023: %j", async (args, message) => {
    const userId = newUserId();
    const error = await pgError(asUser(userId, "get_my_usage_history", args));
    expect(error).toEqual({ code: "22023", message });
  });
});

describe("get_my_usage_daily and get_my_usage_by_model", () => {
  async function seedMany(userId: string) {
    let n = 0;
    for (let day = 0; day < 35; day += 3) {
      for (const model of MODELS.slice(0, 1 + ((day / 3) % 3))) {
        n++;
        await settleAt(userId, ago(day * DAY + n * 60_000), { model, input: 100 + n, output: 7 * n, costUsd: n % 4 === 0 ? null : n / 1000, outcome: n % 5 === 0 ? "aborted" : "ok" });
      }
    }
    await settleAt(userId, new Date("2026-06-15T00:00:00.000Z"), { model: MODELS[2], input: 1, output: 1 }); // first instant of today
    await settleAt(userId, new Date("2026-05-16T23:59:59.999Z"), { model: MODELS[1], input: 5, output: 5 }); // before the 30-day window
    await settleAt(userId, new Date("2026-05-17T00:00:00.000Z"), { model: MODELS[1], input: 6, output: 6 }); // its first instant
  }

  it("daily totals equal the sums of the ledger rows, per UTC day and model, every day present", async () => {
    const userId = newUserId();
    await seedMany(userId);
    const daily = await asUser<Daily>(userId, "get_my_usage_daily", { p_days: 30, p_now: NOW.toISOString() });
    expect(daily.from).toBe("2026-05-17T00:00:00.000Z");
    expect(daily.to).toBe("2026-06-15T12:00:00.000Z");
    expect(daily.days).toHaveLength(30);
    expect(daily.days[0]!.date).toBe("2026-05-17");
    expect(daily.days.at(-1)!.date).toBe("2026-06-15");
    for (let i = 1; i < daily.days.length; i++) {
      expect(Date.parse(daily.days[i]!.date) - Date.parse(daily.days[i - 1]!.date)).toBe(DAY);
    }

    const { rows } = await admin.query<{ date: string; model: string; tokens: string; requests: string; cost_usd: string }>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as date, model, sum(total_tokens) as tokens, count(*) as requests, coalesce(sum(cost_usd), 0) as cost_usd
       from public.usage_ledger where user_id = $1 and created_at >= '2026-05-17T00:00:00Z' and created_at <= $2 group by 1, 2`,
      [userId, NOW],
    );
    const expected = new Map<string, Record<string, { tokens: number; requests: number; cost_usd: number }>>();
    for (const r of rows) expected.set(r.date, { ...expected.get(r.date), [r.model]: { tokens: Number(r.tokens), requests: Number(r.requests), cost_usd: Number(r.cost_usd) } });
    for (const day of daily.days) {
      const models = expected.get(day.date) ?? {};
      expect(day.by_model, day.date).toEqual(models);
      const list = Object.values(models);
      expect(day.total_tokens).toBe(list.reduce((s, m) => s + m.tokens, 0));
      expect(day.requests).toBe(list.reduce((s, m) => s + m.requests, 0));
      expect(day.cost_usd).toBeCloseTo(list.reduce((s, m) => s + m.cost_usd, 0), 12);
    }
    expect(daily.days.some((d) => d.requests === 0)).toBe(true); // zero-filled
    expect(daily.days.reduce((s, d) => s + d.requests, 0)).toBe(rows.reduce((s, r) => s + Number(r.requests), 0));
    expect(new Set(daily.models)).toEqual(new Set(rows.map((r) => r.model)));

    const one = await asUser<Daily>(userId, "get_my_usage_daily", { p_days: 1, p_now: NOW.toISOString() });
    expect(one.days.map((d) => d.date)).toEqual(["2026-06-15"]);
  });

  it.each(["period", "7d", "30d"])("totals by model for %s equal the sums of the ledger rows", async (range) => {
    const userId = newUserId();
    await seedMany(userId);
    const result = await asUser<ByModel>(userId, "get_my_usage_by_model", { p_range: range, p_now: NOW.toISOString() });
    const rows = await ledger(userId, result.range.from, result.range.to);
    expect(rows.length).toBeGreaterThan(0);
    const expected = new Map<string, { model: string; requests: number; input_tokens: number; output_tokens: number; total_tokens: number; cost_usd: number }>();
    for (const r of rows) {
      const m = expected.get(r.model) ?? { model: r.model, requests: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0 };
      m.requests++;
      m.input_tokens += Number(r.input_tokens);
      m.output_tokens += Number(r.output_tokens);
      m.total_tokens += Number(r.total_tokens);
      m.cost_usd += Number(r.cost_usd ?? 0);
      expected.set(r.model, m);
    }
    expect(result.models.map((m) => ({ ...m, cost_usd: Math.round(m.cost_usd * 1e9) }))).toEqual(
      [...expected.values()]
        .sort((a, b) => b.total_tokens - a.total_tokens || a.model.localeCompare(b.model))
        .map((m) => ({ ...m, cost_usd: Math.round(m.cost_usd * 1e9) })),
    );
    // The range is the history's.
    const page = await history(userId, { range, limit: 1000 });
    expect(page.range).toEqual(result.range);
    expect(page.items).toHaveLength(rows.length);
  });

  it("refuses bad arguments with 22023", async () => {
    const userId = newUserId();
    expect(await pgError(asUser(userId, "get_my_usage_daily", { p_days: 0 }))).toEqual({ code: "22023", message: "get_my_usage_daily: p_days must be between 1 and 366 (got 0)" });
    expect(await pgError(asUser(userId, "get_my_usage_by_model", { p_range: "week" }))).toEqual({
      code: "22023",
      message: "get_my_usage_by_model: p_range must be 'period', '7d' or '30d' (got 'week')",
    });
  });
});

describe("who may read what", () => {
  const READS: Record<string, Record<string, unknown>> = {
    get_my_usage_history: { p_range: "30d" },
    get_my_usage_daily: { p_days: 30 },
    get_my_usage_by_model: { p_range: "30d" },
  };
  const SERVER_READS: Record<string, Record<string, unknown>> = {
    get_usage_history: { p_range: "30d" },
    get_usage_daily: { p_days: 30 },
    get_usage_by_model: { p_range: "30d" },
  };
  const ALL = [...Object.keys(READS), ...Object.keys(SERVER_READS), "usage_range", "require_subject", "set_usage_subject"];

  it("users see only their own rows, in every read", async () => {
    const a = newUserId();
    const b = newUserId();
    const aIds = [await settleAt(a, ago(HOUR)), await settleAt(a, ago(2 * HOUR), { model: MODELS[1] })];
    const bIds = [await settleAt(b, ago(HOUR), { model: MODELS[2], input: 1000 })];

    expect((await history(b, { range: "30d" })).items.map((i) => i.request_id)).toEqual(bIds);
    expect((await history(a, { range: "30d" })).items.map((i) => i.request_id)).toEqual(aIds);
    const bByModel = await asUser<ByModel>(b, "get_my_usage_by_model", { p_range: "30d", p_now: NOW.toISOString() });
    expect(bByModel.models.map((m) => [m.model, m.requests])).toEqual([[MODELS[2], 1]]);
    const bDaily = await asUser<Daily>(b, "get_my_usage_daily", { p_days: 30, p_now: NOW.toISOString() });
    expect(bDaily.models).toEqual([MODELS[2]]);
    expect(bDaily.days.reduce((s, d) => s + d.requests, 0)).toBe(1);
    // A stranger sees nothing.
    const stranger = newUserId();
    expect((await history(stranger, { range: "30d" })).items).toEqual([]);
    expect((await asUser<ByModel>(stranger, "get_my_usage_by_model", { p_range: "30d" })).models).toEqual([]);
  });

  it.each(Object.keys(READS))("%s without a subject raises 42501", async (fn) => {
    for (const jwt of [null, { role: "authenticated" }, { sub: "", role: "authenticated" }]) {
      const error = await pgError(asRole(admin, "authenticated", jwt, (c) => callRpc(c, fn, READS[fn]!)));
      expect(error).toEqual({ code: "42501", message: `${fn}: no signed-in user (the JWT has no sub claim)` });
    }
  });

  it.each(ALL)("anon gets permission denied calling %s", async (fn) => {
    const { rows } = await admin.query<{ ok: boolean }>(
      "select bool_or(has_function_privilege('anon', p.oid, 'EXECUTE')) as ok from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = $1",
      [fn],
    );
    expect(rows[0]!.ok).toBe(false);
  });

  it.each(Object.keys(READS))("anon calling %s is refused", async (fn) => {
    const error = await pgError(asRole(admin, "anon", { sub: newUserId(), role: "anon" }, (c) => callRpc(c, fn, READS[fn]!)));
    expect(error).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
  });

  it("anon can execute nothing in schema public", async () => {
    const { rows } = await admin.query(
      "select p.oid::regprocedure::text as fn from pg_proc p where p.pronamespace = 'public'::regnamespace and has_function_privilege('anon', p.oid, 'EXECUTE')",
    );
    expect(rows).toEqual([]);
  });

  it.each(Object.keys(SERVER_READS))("a signed-in user gets permission denied calling the server's %s", async (fn) => {
    const a = newUserId();
    const error = await pgError(asUser(a, fn, { p_user_id: newUserId(), ...SERVER_READS[fn]! }));
    expect(error).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
  });

  it("the server's reads answer exactly what the user's own reads do, and leave the request's claims as they were", async () => {
    const a = newUserId();
    await settleAt(a, ago(HOUR), { model: MODELS[1] });
    await settleAt(a, ago(3 * DAY));
    await settleAt(newUserId(), ago(HOUR));
    const now = NOW.toISOString();
    for (const [fn, args] of Object.entries(READS)) {
      const mine = await asUser(a, fn, { ...args, p_now: now });
      const serverFn = fn.replace("get_my_", "get_");
      const theirs = await asRole(admin, "service_role", { role: "service_role" }, async (c) => {
        const result = await callRpc(c, serverFn, { p_user_id: a, ...args, p_now: now });
        const { rows } = await c.query("select current_setting('request.jwt.claims', true) as claims");
        return { result, claims: rows[0].claims };
      });
      expect(theirs.result, fn).toEqual(mine);
      expect(JSON.parse(theirs.claims)).toEqual({ role: "service_role" });
    }
    const error = await pgError(callRpc(server, "get_usage_history", { p_user_id: " ", p_range: "7d" }));
    expect(error).toEqual({ code: "22023", message: "get_usage_history: p_user_id must be a non-empty string" });
  });

  it("no usage read is SECURITY DEFINER, and each pins search_path", async () => {
    const { rows } = await admin.query<{ name: string; prosecdef: boolean; proconfig: string[] | null }>(
      "select proname as name, prosecdef, proconfig from pg_proc where pronamespace = 'public'::regnamespace and proname = any($1) order by 1",
      [ALL],
    );
    expect(rows.map((r) => r.name).sort()).toEqual([...ALL].sort());
    for (const fn of rows) {
      expect(fn.prosecdef, fn.name).toBe(false);
      expect(fn.proconfig, fn.name).toEqual(['search_path=""']);
    }
  });
});
