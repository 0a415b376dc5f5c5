import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  adminSetPlan,
  createServicePool,
  getTokenStatus,
  newRequestId,
  newUserId,
  reserveTokens,
  settleTokens,
  type Queryable,
} from "./helpers/metering";

const server = createServicePool(10);
afterAll(() => server.end());

type Period = "day" | "month";

async function periodBounds(db: Queryable, period: Period, at: string | Date) {
  const { rows } = await db.query<{ period_start: Date; resets_at: Date }>(
    "select period_start, resets_at from public.period_bounds($1, $2)",
    [period, at instanceof Date ? at.toISOString() : at],
  );
  return { periodStart: rows[0]!.period_start.toISOString(), resetsAt: rows[0]!.resets_at.toISOString() };
}

/** The expected UTC period, computed independently in JavaScript. */
function expectedBounds(period: Period, at: Date) {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  const start = period === "day" ? Date.UTC(y, m, d) : Date.UTC(y, m, 1);
  const next = period === "day" ? Date.UTC(y, m, d + 1) : Date.UTC(y, m + 1, 1);
  return { periodStart: new Date(start).toISOString(), resetsAt: new Date(next).toISOString() };
}

/** A fresh user who has used `tokens` of the allowance at instant `at` (a settle placed there). */
async function userWithUsage(plan: "free" | "pro", at: string, tokens: number) {
  const userId = newUserId();
  if (plan !== "free") await adminSetPlan(server, userId, plan);
  await settleTokens(server, { userId, requestId: newRequestId(), input: 0, output: tokens, now: at });
  return userId;
}

describe("period_bounds", () => {
  it.each([
    ["day", "2026-11-25T23:59:59.999Z", "2026-11-25T00:00:00.000Z", "2026-11-26T00:00:00.000Z"],
    ["day", "2026-11-26T00:00:00.000Z", "2026-11-26T00:00:00.000Z", "2026-11-27T00:00:00.000Z"],
    ["day", "2027-01-31T12:00:00.000Z", "2027-01-31T00:00:00.000Z", "2027-02-01T00:00:00.000Z"],
    ["day", "2027-12-31T23:59:59.000Z", "2027-12-31T00:00:00.000Z", "2028-01-01T00:00:00.000Z"],
    ["day", "2028-02-28T10:00:00.000Z", "2028-02-28T00:00:00.000Z", "2028-02-29T00:00:00.000Z"],
    ["day", "2028-02-29T23:59:59.000Z", "2028-02-29T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
    ["month", "2027-01-31T23:59:59.999Z", "2027-01-01T00:00:00.000Z", "2027-02-01T00:00:00.000Z"],
    ["month", "2027-02-01T00:00:00.000Z", "2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z"],
    ["month", "2028-02-29T12:00:00.000Z", "2028-02-01T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
    ["month", "2027-12-31T23:59:59.000Z", "2027-12-01T00:00:00.000Z", "2028-01-01T00:00:00.000Z"],
    ["month", "2100-02-15T00:00:00.000Z", "2100-02-01T00:00:00.000Z", "2100-03-01T00:00:00.000Z"],
  ] as const)("%s at %s: [%s, %s)", async (period, at, periodStart, resetsAt) => {
    expect(await periodBounds(server, period, at)).toEqual({ periodStart, resetsAt });
  });

  it.each(["Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata", "Europe/London"])(
    "does not depend on the session time zone (%s)",
    async (zone) => {
      const client = await server.connect();
      try {
        await client.query(`set timezone = '${zone}'`);
        // 2027-03-31 22:30 UTC is already April 1 in Kiritimati (UTC+14) and still March 31 in LA.
        expect(await periodBounds(client, "month", "2027-03-31T22:30:00.000Z")).toEqual({
          periodStart: "2027-03-01T00:00:00.000Z",
          resetsAt: "2027-04-01T00:00:00.000Z",
        });
        expect(await periodBounds(client, "day", "2027-03-31T22:30:00.000Z")).toEqual({
          periodStart: "2027-03-31T00:00:00.000Z",
          resetsAt: "2027-04-01T00:00:00.000Z",
        });
        const { rows } = await client.query("select public.get_token_status($1, $2) as s", [newUserId(), "2027-03-31T22:30:00Z"]);
        expect(rows[0].s).toMatchObject({ period_start: "2027-03-31T00:00:00.000Z", resets_at: "2027-04-01T00:00:00.000Z" });
      } finally {
        await client.query("reset timezone");
        client.release();
      }
    },
  );

  it("rejects an unknown period", async () => {
    await expect(periodBounds(server, "week" as Period, "2027-01-01T00:00:00Z")).rejects.toMatchObject({
      code: "22023",
      message: "period_bounds: unknown period 'week' (expected 'day' or 'month')",
    });
  });
});

describe("daily plan boundaries (free)", () => {
  it.each([
    ["23:59:59 -> 00:00:00", "2026-11-25T23:59:59.000Z", "2026-11-26T00:00:00.000Z", "2026-11-27T00:00:00.000Z"],
    ["23:59:59.999 -> 00:00:00.000", "2026-11-27T23:59:59.999Z", "2026-11-28T00:00:00.000Z", "2026-11-29T00:00:00.000Z"],
    ["Jan 31 -> Feb 1", "2027-01-31T23:59:59.000Z", "2027-02-01T00:00:00.000Z", "2027-02-02T00:00:00.000Z"],
    ["Dec 31 -> Jan 1", "2027-12-31T23:59:59.000Z", "2028-01-01T00:00:00.000Z", "2028-01-02T00:00:00.000Z"],
    ["Feb 28 -> Feb 29 (leap year)", "2028-02-28T23:59:59.000Z", "2028-02-29T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
    ["Feb 29 -> Mar 1 (leap year)", "2028-02-29T23:59:59.000Z", "2028-03-01T00:00:00.000Z", "2028-03-02T00:00:00.000Z"],
  ])("%s: a fresh allowance and the next reset", async (_name, last, next, nextResets) => {
    const userId = await userWithUsage("free", last, 40_000);
    const lastDay = await getTokenStatus(server, userId, last);
    expect(lastDay).toMatchObject({ used: 40_000, remaining: 0, resets_at: next });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 1, now: last })).toMatchObject({
      ok: false,
      reason: "quota_exceeded",
      resets_at: next,
    });

    expect(await getTokenStatus(server, userId, next)).toMatchObject({ used: 0, remaining: 40_000, period_start: next, resets_at: nextResets });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 40_000, max: 40_000, now: next })).toMatchObject({
      ok: true,
      reserved: 40_000,
      period_start: next,
      resets_at: nextResets,
    });
  });

  it("a request reserved at 23:59:59 is charged to that day even when settled after midnight", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 5000, max: 5000, now: "2029-06-30T23:59:59.000Z" });
    const settled = await settleTokens(server, { userId, requestId, input: 1000, output: 2000, now: "2029-07-01T00:00:03.000Z" });
    expect(settled).toMatchObject({
      charged_period_start: "2029-06-30T00:00:00.000Z",
      period_start: "2029-07-01T00:00:00.000Z",
      used: 0,
      held: 0,
      remaining: 40_000,
    });
    expect(await getTokenStatus(server, userId, "2029-06-30T23:59:59.500Z")).toMatchObject({ used: 3000 });
  });
});

describe("monthly plan boundaries (pro)", () => {
  it.each([
    ["Jan 31 -> Feb 1", "2027-01-31T23:59:59.000Z", "2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z"],
    ["Feb 28 -> Mar 1 (common year)", "2027-02-28T23:59:59.000Z", "2027-03-01T00:00:00.000Z", "2027-04-01T00:00:00.000Z"],
    ["Apr 30 -> May 1 (a 30-day month, at the last millisecond)", "2027-04-30T23:59:59.999Z", "2027-05-01T00:00:00.000Z", "2027-06-01T00:00:00.000Z"],
    ["Feb 29 -> Mar 1 (leap year)", "2028-02-29T23:59:59.000Z", "2028-03-01T00:00:00.000Z", "2028-04-01T00:00:00.000Z"],
    ["Dec 31 -> Jan 1", "2027-12-31T23:59:59.000Z", "2028-01-01T00:00:00.000Z", "2028-02-01T00:00:00.000Z"],
  ])("%s: a fresh allowance and the next reset", async (_name, last, next, nextResets) => {
    const userId = await userWithUsage("pro", last, 1_500_000);
    expect(await getTokenStatus(server, userId, last)).toMatchObject({ plan: "pro", period: "month", used: 1_500_000, remaining: 0, resets_at: next });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 1, now: last })).toMatchObject({ ok: false });
    expect(await getTokenStatus(server, userId, next)).toMatchObject({ used: 0, remaining: 1_500_000, period_start: next, resets_at: nextResets });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 1_500_000, max: 1_500_000, now: next })).toMatchObject({
      ok: true,
      resets_at: nextResets,
    });
  });

  it("usage on the 1st and on the last day of a month share one period", async () => {
    const userId = await userWithUsage("pro", "2027-03-01T00:00:00.000Z", 1000);
    await settleTokens(server, { userId, requestId: newRequestId(), input: 0, output: 500, now: "2027-03-31T23:59:59.999Z" });
    expect(await getTokenStatus(server, userId, "2027-03-15T12:00:00.000Z")).toMatchObject({ used: 1500 });
    expect(await getTokenStatus(server, userId, "2027-02-28T23:59:59.999Z")).toMatchObject({ used: 0 });
    expect(await getTokenStatus(server, userId, "2027-04-01T00:00:00.000Z")).toMatchObject({ used: 0 });
  });
});

describe("period properties (fast-check, 200 runs, years 2000-2100)", () => {
  const MIN = Date.UTC(2000, 0, 1);
  const MAX = Date.UTC(2100, 11, 31, 23, 59, 59, 999);
  const anyInstant = fc.integer({ min: MIN, max: MAX });
  // Instants within a second of a UTC midnight or a month start, where off-by-one errors live.
  const nearBoundary = fc
    .tuple(fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 31 }), fc.boolean(), fc.integer({ min: -1000, max: 999 }))
    .map(([y, m, d, monthStart, ms]) => Date.UTC(y, m, monthStart ? 1 : d) + ms)
    .filter((t) => t >= MIN && t <= MAX);
  const instant = fc.oneof(anyInstant, nearBoundary).map((t) => new Date(t));

  it("period_start <= t < resets_at, and resets_at is the next UTC midnight / first of the next month", async () => {
    await fc.assert(
      fc.asyncProperty(instant, fc.constantFrom<Period>("day", "month"), async (t, period) => {
        const bounds = await periodBounds(server, period, t);
        expect(bounds).toEqual(expectedBounds(period, t));
        expect(Date.parse(bounds.periodStart)).toBeLessThanOrEqual(t.getTime());
        expect(t.getTime()).toBeLessThan(Date.parse(bounds.resetsAt));
      }),
      { numRuns: 200 },
    );
  });

  it("usage charged at t is visible at t' iff t' is in the same period", async () => {
    const offset = fc.oneof(
      fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
      fc.integer({ min: -45 * 86_400_000, max: 45 * 86_400_000 }),
      fc.integer({ min: -2000, max: 2000 }),
    );
    await fc.assert(
      fc.asyncProperty(instant, offset, fc.constantFrom<"free" | "pro">("free", "pro"), async (t, delta, plan) => {
        const later = new Date(t.getTime() + delta);
        const period: Period = plan === "free" ? "day" : "month";
        const userId = await userWithUsage(plan, t.toISOString(), 777);
        const status = await getTokenStatus(server, userId, later);
        const samePeriod = expectedBounds(period, t).periodStart === expectedBounds(period, later).periodStart;
        expect(status.used).toBe(samePeriod ? 777 : 0);
        const expected = expectedBounds(period, later);
        expect(status).toMatchObject({ period, period_start: expected.periodStart, resets_at: expected.resetsAt });
      }),
      { numRuns: 200 },
    );
  });
});
