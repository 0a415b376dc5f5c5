import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPool } from "./helpers/db";
import {
  adminGrantTokens,
  adminSetCapOverride,
  callRpc,
  createServicePool,
  expectBalanceMatchesLedger,
  getTokenStatus,
  newRequestId,
  newUserId,
  releaseTokens,
  reserveTokens,
  settleTokens,
  type SettleResult,
} from "./helpers/metering";

/**
 * The metering hot path under concurrency (supabase/migrations/*_speed_up_metering.sql): a settle
 * first tries a fast path without the account lock (hold deleted, usage added only while within the
 * cap, in a subtransaction), else the former logic under the lock. Whatever the interleaving of
 * reserves, fast and slow settles, releases, grants and resets: nothing passes cap + balance, the
 * plan allowance is spent before the balance, usage equals the ledger, every request is charged
 * once, and no call fails (a deadlock would raise 40P01).
 */
const admin = createTestPool(4); // superuser: reads the tables behind the functions
const server = createServicePool(24); // the server's role
const adminUser = newUserId();
beforeAll(async () => {
  await admin.query("select public.bootstrap_admins(array[$1])", [adminUser]);
});
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

/** Usage counter, ledger sums and holds left for a user, read as the superuser. */
async function books(userId: string) {
  const { rows } = await admin.query<{ used: number; plan: number; balance_part: number; total: number; rows: number; holds: number }>(
    `select (select coalesce(sum(plan_tokens_used), 0)::int from public.usage_periods where user_id = $1) as used,
            (select coalesce(sum(plan_tokens), 0)::int from public.usage_ledger where user_id = $1) as plan,
            (select coalesce(sum(balance_tokens), 0)::int from public.usage_ledger where user_id = $1) as balance_part,
            (select coalesce(sum(total_tokens), 0)::int from public.usage_ledger where user_id = $1) as total,
            (select count(*)::int from public.usage_ledger where user_id = $1) as rows,
            (select count(*)::int from public.reservations where user_id = $1) as holds`,
    [userId],
  );
  return rows[0]!;
}

describe("settles with and without the account lock", () => {
  it("many settles at once spend the plan allowance first, then the balance, to the token", async () => {
    const userId = newUserId();
    await adminSetCapOverride(server, userId, 10_000);
    await adminGrantTokens(server, userId, 5_000, "concurrency");
    // A first settle (of nothing) records the account's activity: the settles below may take the fast path.
    await settleTokens(server, { userId, requestId: newRequestId(), input: 0, output: 0 });
    // 60 holds of 100 or 380 (14,400 in all): near the cap a small charge can still fit the allowance
    // (fast path) while a large one cannot (slow path, which splits it between allowance and balance).
    const holds = Array.from({ length: 60 }, (_, i) => ({ requestId: newRequestId(), tokens: i % 2 === 0 ? 100 : 380 }));
    for (const { requestId, tokens } of holds) {
      expect(await reserveTokens(server, { userId, requestId, min: tokens, max: tokens })).toMatchObject({ ok: true });
    }
    const settled = await Promise.all(holds.map(({ requestId, tokens }) => settleTokens(server, { userId, requestId, input: 50, output: tokens - 50 })));
    expect(settled.every((s, i) => s.ok && !s.already_settled && s.total_tokens === holds[i]!.tokens && s.plan_tokens + s.balance_tokens === s.total_tokens)).toBe(true);
    expect(await books(userId)).toEqual({ used: 10_000, plan: 10_000, balance_part: 4_400, total: 14_400, rows: 61, holds: 0 });
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(600);
    expect(await getTokenStatus(server, userId)).toMatchObject({ used: 10_000, cap: 10_000, held: 0, balance: 600, remaining: 600 });
  });

  it("one hot user, 300 reserve-then-settle chains on 24 connections: never past cap + balance, books balanced", async () => {
    const userId = newUserId();
    await adminSetCapOverride(server, userId, 20_000);
    await adminGrantTokens(server, userId, 3_000, "concurrency");
    await settleTokens(server, { userId, requestId: newRequestId(), input: 0, output: 0 }); // activity: fast path allowed
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const requestId = newRequestId();
        const reserved = await reserveTokens(server, { userId, requestId, min: 50, max: 150 });
        if (!reserved.ok) return "refused";
        // Charge the whole hold, a part of it, or (every fifth) release it and charge nothing.
        if (i % 5 === 0) {
          await releaseTokens(server, requestId);
          return "released";
        }
        await settleTokens(server, { userId, requestId, input: 40, output: i % 2 === 0 ? reserved.reserved - 40 : 10 });
        return "settled";
      }),
    );
    expect(outcomes.filter((o) => o === "settled").length).toBeGreaterThan(100);
    const after = await books(userId);
    expect(after.holds).toBe(0);
    expect(after.used).toBe(after.plan);
    expect(after.plan).toBeLessThanOrEqual(20_000);
    expect(after.plan + after.balance_part).toBe(after.total);
    // The balance is spent only once the allowance is gone.
    if (after.balance_part > 0) expect(after.plan).toBe(20_000);
    expect(after.total).toBeLessThanOrEqual(23_000);
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(3_000 - after.balance_part);
  });

  it("concurrent settles of one request, with its hold or after its release, charge once", async () => {
    for (const release of [false, true]) {
      const userId = newUserId();
      await settleTokens(server, { userId, requestId: newRequestId(), input: 0, output: 0 }); // activity: fast path allowed
      const requestId = newRequestId();
      await reserveTokens(server, { userId, requestId, min: 500, max: 500 });
      if (release) await releaseTokens(server, requestId);
      const results: SettleResult[] = await Promise.all(
        Array.from({ length: 12 }, () => settleTokens(server, { userId, requestId, input: 200, output: 300 })),
      );
      expect(results.filter((r) => !r.already_settled)).toHaveLength(1);
      expect(results.every((r) => r.total_tokens === 500 && r.used === 500)).toBe(true);
      expect(await books(userId)).toEqual({ used: 500, plan: 500, balance_part: 0, total: 500, rows: 2, holds: 0 });
    }
  });

  it("a retried reserve racing the settle of its expired hold ends with one charge and no hold", async () => {
    const t0 = new Date("2032-02-02T10:00:00.000Z");
    const later = new Date(t0.getTime() + 11 * 60_000); // the hold (600 s) has expired
    for (let i = 0; i < 15; i++) {
      const userId = newUserId();
      // A first settle records the account's activity, so the settle below may take the fast path.
      await settleTokens(server, { userId, requestId: newRequestId(), input: 1, output: 1, now: t0 });
      const requestId = newRequestId();
      await reserveTokens(server, { userId, requestId, min: 100, max: 100, now: t0 });
      const [, retried] = await Promise.all([
        settleTokens(server, { userId, requestId, input: 30, output: 50, now: later }),
        reserveTokens(server, { userId, requestId, min: 100, max: 100, now: later }),
      ]);
      if (!retried.ok) expect(retried.reason).toBe("already_settled");
      expect(await books(userId)).toMatchObject({ rows: 2, total: 82, holds: 0 });
    }
  });
});

describe("admin actions between settles", () => {
  it("usage = ledger - what resets forgave, with grants, resets, reserves and settles all at once, and no call fails", async () => {
    const userId = newUserId();
    await adminSetCapOverride(server, userId, 50_000);
    await settleTokens(server, { userId, requestId: newRequestId(), input: 0, output: 0 }); // activity: fast path allowed
    const reset = () => callRpc(server, "admin_reset_usage", { p_actor: adminUser, p_user_id: userId, p_reason: "concurrency test" });
    const work = await Promise.allSettled(
      Array.from({ length: 160 }, async (_, i) => {
        if (i % 40 === 7) return reset();
        if (i % 40 === 23) return adminGrantTokens(server, userId, 100, "concurrency");
        const requestId = newRequestId();
        const reserved = await reserveTokens(server, { userId, requestId, min: 100, max: 300 });
        if (reserved.ok) await settleTokens(server, { userId, requestId, input: 100, output: 150 });
      }),
    );
    expect(work.filter((w) => w.status === "rejected").map((w) => (w as PromiseRejectedResult).reason)).toEqual([]);
    const { rows } = await admin.query<{ used: number; plan: number; forgiven: number }>(
      `select (select coalesce(sum(plan_tokens_used), 0)::int from public.usage_periods where user_id = $1) as used,
              (select coalesce(sum(plan_tokens), 0)::int from public.usage_ledger where user_id = $1) as plan,
              (select coalesce(sum((old_value ->> 'used')::int), 0)::int from public.admin_audit where action = 'reset_usage' and target_user_id = $1) as forgiven`,
      [userId],
    );
    expect(rows[0]!.used).toBe(rows[0]!.plan - rows[0]!.forgiven);
    await expectBalanceMatchesLedger(admin, userId);
  });
});
