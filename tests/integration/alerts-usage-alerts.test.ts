import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usagePercent } from "@/lib/client/thresholds";
import { createPgRpcClient } from "@/lib/db/pg-rpc";
import { createMeteringStore } from "@/lib/metering/store";
import { asRole, createTestPool } from "./helpers/db";
import {
  adminSetCapOverride,
  adminSetPlan,
  callRpc,
  createServicePool,
  getTokenStatus,
  newRequestId,
  newUserId,
  pgError,
  reserveTokens,
  settleTokens,
  type Queryable,
  type SettleResult,
  type TokenStatus,
} from "./helpers/metering";

/**
 * Threshold alerts (supabase/migrations/20261202020000_create_usage_alerts.sql and ..._add_usage_alerts_to_status.sql):
 * a settle that moves plan usage across 80% or 95% of the cap records the crossing once per user,
 * period and threshold; the status carries the unacknowledged ones of the current period until the
 * user acknowledges them; privileges and RLS as for the other user tables.
 */

const admin = createTestPool(4); // superuser, the owner of tables and functions
const server = createServicePool(8);
const store = createMeteringStore(createPgRpcClient(server));
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

type Alert = { threshold: number; crossed_at: string };
type StatusWithAlerts = TokenStatus & { alerts: Alert[] };
type SettledWithAlerts = SettleResult & { alerts: Alert[] };

/** A UTC day far from now, so these calls never share a period with real-time ones. */
const DAY = "2031-03-10";
const at = (time: string, day = DAY) => `${day}T${time}.000Z`;
const claims = (sub: string) => ({ sub, role: "authenticated" });

async function userWithCap(cap: number): Promise<string> {
  const userId = newUserId();
  await adminSetCapOverride(server, userId, cap);
  return userId;
}

/** Charges `tokens` to the plan (no hold needed: settle always charges what was consumed). */
async function charge(userId: string, tokens: number, now: string): Promise<SettledWithAlerts> {
  return (await settleTokens(server, { userId, requestId: newRequestId(), input: tokens, output: 0, now })) as SettledWithAlerts;
}

async function status(userId: string, now?: string): Promise<StatusWithAlerts> {
  return (await getTokenStatus(server, userId, now)) as StatusWithAlerts;
}

function ack(db: Queryable, userId: string, thresholds: number[] | null, now?: string): Promise<StatusWithAlerts> {
  return callRpc(db, "acknowledge_usage_alerts", { p_user_id: userId, p_thresholds: thresholds, p_now: now });
}

async function alertRows(userId: string) {
  const { rows } = await admin.query<{ period: string; period_start: Date; threshold: number; used: string; cap: string; crossed_at: Date; acknowledged_at: Date | null }>(
    "select period, period_start, threshold, used, cap, crossed_at, acknowledged_at from public.usage_alerts where user_id = $1 order by period_start, threshold",
    [userId],
  );
  return rows.map((r) => ({ ...r, used: Number(r.used), cap: Number(r.cap) }));
}

describe("recording a crossing", () => {
  it("records 80% once, then 95% once, each with the usage, cap and time of the settle that crossed it", async () => {
    const userId = await userWithCap(1000);
    expect((await charge(userId, 500, at("08:00:00"))).alerts).toEqual([]);
    expect((await charge(userId, 299, at("08:10:00"))).alerts).toEqual([]); // 79.9%: not yet
    const crossed80 = await charge(userId, 1, at("08:20:00")); // exactly 80%
    expect(crossed80).toMatchObject({ used: 800, alerts: [{ threshold: 80, crossed_at: at("08:20:00") }] });
    expect((await charge(userId, 149, at("08:30:00"))).alerts).toEqual([{ threshold: 80, crossed_at: at("08:20:00") }]); // 94.9%
    const crossed95 = await charge(userId, 1, at("08:40:00"));
    expect(crossed95.alerts).toEqual([
      { threshold: 80, crossed_at: at("08:20:00") },
      { threshold: 95, crossed_at: at("08:40:00") },
    ]);
    await charge(userId, 200, at("08:50:00")); // past the cap: nothing new
    expect(await alertRows(userId)).toEqual([
      { period: "day", period_start: new Date(at("00:00:00")), threshold: 80, used: 800, cap: 1000, crossed_at: new Date(at("08:20:00")), acknowledged_at: null },
      { period: "day", period_start: new Date(at("00:00:00")), threshold: 95, used: 950, cap: 1000, crossed_at: new Date(at("08:40:00")), acknowledged_at: null },
    ]);
    // Every read of the status carries them: reserve (ok and refused), get_token_status, get_my_token_status.
    const expected = [
      { threshold: 80, crossed_at: at("08:20:00") },
      { threshold: 95, crossed_at: at("08:40:00") },
    ];
    expect((await status(userId, at("09:00:00"))).alerts).toEqual(expected);
    const refused = await reserveTokens(server, { userId, requestId: newRequestId(), min: 10, max: 10, now: at("09:00:00") });
    expect(refused).toMatchObject({ ok: false, reason: "quota_exceeded", alerts: expected });
    const mine = await asRole(admin, "authenticated", claims(userId), async (c) => (await c.query("select public.get_my_token_status() as s")).rows[0].s);
    expect(mine.alerts).toEqual([]); // get_my_token_status reads the real current day, not DAY
  });

  it("a reserve's status carries the alerts too", async () => {
    const userId = await userWithCap(1000);
    await charge(userId, 850, at("10:00:00"));
    const granted = await reserveTokens(server, { userId, requestId: newRequestId(), min: 10, max: 50, now: at("10:01:00") });
    expect(granted).toMatchObject({ ok: true, reserved: 50, alerts: [{ threshold: 80, crossed_at: at("10:00:00") }] });
  });

  it("one settle crossing both thresholds records each", async () => {
    const userId = await userWithCap(2000);
    const settled = await charge(userId, 1950, at("11:00:00"));
    expect(settled.alerts).toEqual([
      { threshold: 80, crossed_at: at("11:00:00") },
      { threshold: 95, crossed_at: at("11:00:00") },
    ]);
    expect((await alertRows(userId)).map((r) => [r.threshold, r.used])).toEqual([
      [80, 1950],
      [95, 1950],
    ]);
  });

  it("settles retried after a crossing charge nothing and record nothing more", async () => {
    const userId = await userWithCap(1000);
    const requestId = newRequestId();
    await settleTokens(server, { userId, requestId, input: 900, output: 0, now: at("12:00:00") });
    const retried = (await settleTokens(server, { userId, requestId, input: 900, output: 0, now: at("12:00:05") })) as SettledWithAlerts;
    expect(retried).toMatchObject({ already_settled: true, used: 900, alerts: [{ threshold: 80, crossed_at: at("12:00:00") }] });
    expect(await alertRows(userId)).toHaveLength(1);
  });

  it("concurrent settles crossing at once record one row per threshold, at the exact crossing", async () => {
    const userId = await userWithCap(10_000);
    const holds = Array.from({ length: 20 }, () => newRequestId());
    for (const requestId of holds) await reserveTokens(server, { userId, requestId, min: 500, max: 500, now: at("13:00:00") });
    // All twenty settle at once (500 each: 10,000 in all); the account lock serialises them.
    const results = (await Promise.all(
      holds.map((requestId) => settleTokens(server, { userId, requestId, input: 200, output: 300, now: at("13:00:01") })),
    )) as SettledWithAlerts[];
    expect(new Set(results.map((r) => r.already_settled))).toEqual(new Set([false]));
    expect(await alertRows(userId)).toMatchObject([
      { threshold: 80, used: 8000, cap: 10_000 },
      { threshold: 95, used: 9500, cap: 10_000 },
    ]);
    expect((await status(userId, at("13:00:02"))).alerts.map((a) => a.threshold)).toEqual([80, 95]);
  });

  it("uses the account's cap: the plan's, or its override", async () => {
    const onPlan = newUserId(); // free: 40,000 a day
    await charge(onPlan, 31_999, at("14:00:00"));
    expect((await status(onPlan, at("14:00:01"))).alerts).toEqual([]);
    expect((await charge(onPlan, 1, at("14:00:02"))).alerts).toEqual([{ threshold: 80, crossed_at: at("14:00:02") }]);
    expect((await alertRows(onPlan))[0]).toMatchObject({ used: 32_000, cap: 40_000 });
  });

  it("a cap of 0 counts as 100% already: no crossing is ever recorded", async () => {
    const userId = await userWithCap(0);
    await charge(userId, 10, at("15:00:00")); // no balance: the overshoot is charged to the plan
    expect((await status(userId, at("15:00:01"))).used).toBe(10);
    expect(await alertRows(userId)).toEqual([]);
  });

  it("a hold taken before a plan change (another period kind) records nothing on the new plan's cap", async () => {
    const userId = await userWithCap(1000);
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 900, max: 900, now: at("16:00:00") });
    await adminSetPlan(server, userId, "pro", "user_admin", at("16:00:01"));
    await settleTokens(server, { userId, requestId, input: 900, output: 0, now: at("16:00:02") }); // charged to the day
    expect(await alertRows(userId)).toEqual([]);
  });
});

describe("periods", () => {
  it("a new period starts clean; its own crossings are recorded and shown there", async () => {
    const userId = await userWithCap(1000);
    await charge(userId, 960, at("20:00:00"));
    expect((await status(userId, at("23:59:59"))).alerts.map((a) => a.threshold)).toEqual([80, 95]);

    const nextDay = "2031-03-11";
    expect(await status(userId, at("00:00:00", nextDay))).toMatchObject({ used: 0, alerts: [] });
    expect((await charge(userId, 800, at("01:00:00", nextDay))).alerts).toEqual([{ threshold: 80, crossed_at: at("01:00:00", nextDay) }]);
    expect((await alertRows(userId)).map((r) => [r.period_start.toISOString(), r.threshold])).toEqual([
      [at("00:00:00"), 80],
      [at("00:00:00"), 95],
      [at("00:00:00", nextDay), 80],
    ]);
    // Acknowledging in the new period leaves the old period's rows alone.
    await ack(server, userId, [80, 95], at("02:00:00", nextDay));
    expect((await alertRows(userId)).map((r) => r.acknowledged_at !== null)).toEqual([false, false, true]);
  });

  it("percent math is usagePercent's to the bit, for the thresholds and around them", async () => {
    const pairs: [number, number][] = [
      [0, 0], [5, 0], [0, 1], [799, 1000], [800, 1000], [949, 1000], [950, 1000], [31_999, 40_000], [32_000, 40_000],
      [37_999, 40_000], [38_000, 40_000], [1, 3], [2, 3], [4, 5], [19, 20], [1_199_999, 1_500_000], [1_200_000, 1_500_000],
      [1_424_999, 1_500_000], [1_425_000, 1_500_000], [45_000, 40_000], [123_456_789, 987_654_321],
    ];
    for (let used = 190; used <= 215; used++) pairs.push([used, 200]); // doubles and exact decimals part here (201/200)
    for (let i = 0; i < 200; i++) {
      const cap = 1 + Math.floor(Math.random() * 2_000_000);
      pairs.push([Math.floor(cap * (0.75 + Math.random() * 0.25)), cap]);
    }
    const { rows } = await admin.query<{ used: string; cap: string; percent: string }>(
      "select u as used, c as cap, public.usage_percent(u, c)::text as percent from unnest($1::bigint[], $2::bigint[]) as t (u, c)",
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    expect(rows).toHaveLength(pairs.length);
    for (const row of rows) {
      expect(Number(row.percent), `${row.used}/${row.cap}`).toBe(usagePercent(Number(row.used), Number(row.cap)));
    }
  });
});

describe("acknowledging", () => {
  it("hides an alert from every later read, for good; idempotent; other thresholds stay", async () => {
    const userId = await userWithCap(1000);
    await charge(userId, 960, at("09:00:00"));
    const afterAck = await ack(server, userId, [80], at("09:05:00"));
    expect(afterAck).toMatchObject({ user_id: userId, used: 960, alerts: [{ threshold: 95, crossed_at: at("09:00:00") }] });
    // A second device: a fresh read.
    expect((await status(userId, at("09:06:00"))).alerts).toEqual([{ threshold: 95, crossed_at: at("09:00:00") }]);
    // Again: nothing changes (acknowledged_at keeps the first time).
    expect((await ack(server, userId, [80], at("09:07:00"))).alerts).toEqual([{ threshold: 95, crossed_at: at("09:00:00") }]);
    expect((await ack(server, userId, [80, 95], at("09:08:00"))).alerts).toEqual([]);
    expect((await status(userId, at("09:09:00"))).alerts).toEqual([]);
    expect((await alertRows(userId)).map((r) => r.acknowledged_at?.toISOString())).toEqual([at("09:05:00"), at("09:08:00")]);
    // More usage in the same period: already crossed, nothing comes back.
    expect((await charge(userId, 500, at("09:10:00"))).alerts).toEqual([]);
  });

  it("acknowledging a threshold not crossed yet does not pre-empt it", async () => {
    const userId = await userWithCap(1000);
    expect((await ack(server, userId, [80, 95], at("10:00:00"))).alerts).toEqual([]);
    expect((await charge(userId, 800, at("10:01:00"))).alerts.map((a) => a.threshold)).toEqual([80]);
  });

  it("for a user without an account: the status, nothing created", async () => {
    const stranger = newUserId();
    expect(await ack(server, stranger, [80])).toMatchObject({ user_id: stranger, plan: "free", alerts: [] });
    expect((await admin.query("select count(*)::int as n from public.accounts where user_id = $1", [stranger])).rows[0]).toEqual({ n: 0 });
  });

  it.each([
    ["null", null],
    ["a threshold that is not a warning", [50]],
    ["a null element", [80, null] as unknown as number[]],
  ])("refuses %s with 22023 naming p_thresholds", async (_name, thresholds) => {
    const userId = await userWithCap(1000);
    expect(await pgError(ack(server, userId, thresholds))).toEqual({
      code: "22023",
      message: "acknowledge_usage_alerts: p_thresholds must be an array of 80 and 95",
    });
  });

  it("the signed-in user acknowledges their own, under their JWT (the store's user path)", async () => {
    const userId = newUserId();
    await adminSetCapOverride(server, userId, 1000);
    await settleTokens(server, { userId, requestId: newRequestId(), input: 960, output: 0 }); // now: the real current period
    expect((await store.getMyTokenStatus({ userId })).alerts.map((a) => a.threshold)).toEqual([80, 95]);
    const after = await store.acknowledgeMyAlerts({ userId }, [95]);
    expect(after.alerts.map((a) => a.threshold)).toEqual([80]);
    expect((await store.getTokenStatus(userId)).alerts.map((a) => a.threshold)).toEqual([80]);
    expect((await store.acknowledgeAlerts(userId, [80, 95])).alerts).toEqual([]);
    expect((await store.getMyTokenStatus({ userId })).alerts).toEqual([]);
  });

  it("the string the PostgREST adapter sends for p_thresholds parses as integer[] (json_to_record, as PostgREST calls a function)", async () => {
    const { rows } = await admin.query("select a.p_thresholds from json_to_record($1::json) as a (p_thresholds integer[])", [
      JSON.stringify({ p_thresholds: "{80,95}" }),
    ]);
    expect(rows).toEqual([{ p_thresholds: [80, 95] }]);
  });
});

describe("row level security and privileges", () => {
  const userA = newUserId();
  const userB = newUserId();
  beforeAll(async () => {
    for (const userId of [userA, userB]) {
      await adminSetCapOverride(server, userId, 1000);
      await settleTokens(server, { userId, requestId: newRequestId(), input: 960, output: 0 });
    }
  });

  it("RLS is on, with one SELECT policy for authenticated reading the subject once per statement; user_id leads the key", async () => {
    const rls = await admin.query("select relrowsecurity from pg_class where oid = 'public.usage_alerts'::regclass");
    expect(rls.rows).toEqual([{ relrowsecurity: true }]);
    const { rows } = await admin.query<{ cmd: string; roles: string[]; qual: string }>(
      "select cmd, roles::text[] as roles, qual from pg_policies where schemaname = 'public' and tablename = 'usage_alerts'",
    );
    expect(rows.map((r) => [r.cmd, r.roles, r.qual.replace(/\s+/g, " ")])).toEqual([
      ["SELECT", ["authenticated"], "(user_id = ( SELECT (auth.jwt() ->> 'sub'::text)))"],
    ]);
    const key = await admin.query(
      `select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
       where i.indrelid = 'public.usage_alerts'::regclass and i.indisprimary`,
    );
    expect(key.rows).toEqual([{ attname: "user_id" }]);
  });

  it("user B reads only their own alerts, none of A's; A reads A's; no subject reads nothing", async () => {
    const asB = await asRole(admin, "authenticated", claims(userB), async (c) => (await c.query("select user_id, threshold from public.usage_alerts")).rows);
    expect(asB.map((r) => [r.user_id, r.threshold])).toEqual([
      [userB, 80],
      [userB, 95],
    ]);
    const asA = await asRole(admin, "authenticated", claims(userA), async (c) => (await c.query("select user_id from public.usage_alerts")).rows);
    expect(asA.length).toBe(2);
    expect(asA.every((r) => r.user_id === userA)).toBe(true);
    const none = await asRole(admin, "authenticated", { role: "authenticated" }, async (c) => (await c.query("select * from public.usage_alerts")).rows);
    expect(none).toEqual([]);
  });

  it("user B cannot acknowledge A's alerts: B's own call touches B's rows only, and the server RPC is not theirs", async () => {
    await store.acknowledgeMyAlerts({ userId: userB }, [80, 95]);
    expect((await store.getTokenStatus(userA)).alerts.map((a) => a.threshold)).toEqual([80, 95]);
    expect((await store.getTokenStatus(userB)).alerts).toEqual([]);
    const error = await pgError(
      asRole(admin, "authenticated", claims(userB), (c) => c.query("select public.acknowledge_usage_alerts($1, '{80,95}')", [userA])),
    );
    expect(error).toEqual({ code: "42501", message: "permission denied for function acknowledge_usage_alerts" });
  });

  it.each([
    ["acknowledge them directly", "update public.usage_alerts set acknowledged_at = now() where user_id = $1"],
    ["forge one", "insert into public.usage_alerts (user_id, period, period_start, threshold, used, cap, crossed_at) values ($1, 'day', now(), 80, 0, 0, now())"],
    ["delete them", "delete from public.usage_alerts where user_id = $1"],
  ])("authenticated users cannot %s (permission denied), nor can the server role", async (_name, sql) => {
    for (const role of ["authenticated", "service_role"] as const) {
      const error = await pgError(asRole(role === "authenticated" ? admin : server, role, claims(userA), (c) => c.query(sql, [userA])));
      expect(error.code, role).toBe("42501");
    }
    const truncate = await pgError(asRole(admin, "authenticated", claims(userA), (c) => c.query("truncate public.usage_alerts")));
    expect(truncate.code).toBe("42501");
  });

  it("anon reads nothing and can call none of the alert functions", async () => {
    expect((await pgError(asRole(admin, "anon", null, (c) => c.query("select * from public.usage_alerts")))).code).toBe("42501");
    for (const [fn, sql] of [
      ["acknowledge_my_usage_alerts", "select public.acknowledge_my_usage_alerts('{80}')"],
      ["acknowledge_usage_alerts", `select public.acknowledge_usage_alerts('${userA}', '{80}')`],
      ["get_my_token_status", "select public.get_my_token_status()"],
    ]) {
      const error = await pgError(asRole(admin, "anon", { sub: userA, role: "anon" }, (c) => c.query(sql!)));
      expect(error).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
    }
  });

  it.each([
    ["empty claims", null],
    ["no sub claim", { role: "authenticated" }],
    ["an empty sub", { sub: "", role: "authenticated" }],
  ])("acknowledge_my_usage_alerts raises 42501 with %s", async (_name, jwt) => {
    const error = await pgError(asRole(admin, "authenticated", jwt, (c) => c.query("select public.acknowledge_my_usage_alerts('{80}')")));
    expect(error).toEqual({ code: "42501", message: "acknowledge_my_usage_alerts: no signed-in user (the JWT has no sub claim)" });
  });

  it("the RPCs are SECURITY DEFINER with search_path '', granted as get_token_status / get_my_token_status are; the helpers to nobody", async () => {
    const { rows } = await admin.query<{ fn: string; prosecdef: boolean; proconfig: string[]; anon: boolean; authenticated: boolean; service: boolean }>(
      `select p.oid::regprocedure::text as fn, p.prosecdef, p.proconfig,
              has_function_privilege('anon', p.oid, 'EXECUTE') as anon,
              has_function_privilege('authenticated', p.oid, 'EXECUTE') as authenticated,
              has_function_privilege('service_role', p.oid, 'EXECUTE') as service
       from pg_proc p where p.pronamespace = 'public'::regnamespace
        and p.proname in ('acknowledge_usage_alerts', 'acknowledge_my_usage_alerts', 'mark_usage_alerts_acknowledged', 'record_usage_alerts', 'usage_percent', 'build_token_status')
       order by 1`,
    );
    const expected: Record<string, { prosecdef: boolean; authenticated: boolean; service: boolean }> = {
      "acknowledge_my_usage_alerts(integer[])": { prosecdef: true, authenticated: true, service: false },
      "acknowledge_usage_alerts(text,integer[],timestamp with time zone)": { prosecdef: true, authenticated: false, service: true },
      "build_token_status(text,timestamp with time zone)": { prosecdef: false, authenticated: false, service: false },
      "mark_usage_alerts_acknowledged(text,text,integer[],timestamp with time zone)": { prosecdef: false, authenticated: false, service: false },
      "record_usage_alerts()": { prosecdef: false, authenticated: false, service: false },
      "usage_percent(bigint,bigint)": { prosecdef: false, authenticated: false, service: false },
    };
    expect(rows.map((r) => r.fn)).toEqual(Object.keys(expected).sort());
    for (const fn of rows) {
      expect(fn, fn.fn).toMatchObject({ ...expected[fn.fn], proconfig: ['search_path=""'], anon: false });
    }
  });
});
