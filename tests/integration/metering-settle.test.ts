import { afterAll, describe, expect, it } from "vitest";
import { createTestPool } from "./helpers/db";
import {
  adminGrantTokens,
  adminSetCapOverride,
  adminSetPlan,
  adminTopUp,
  createServicePool,
  expectBalanceMatchesLedger,
  getTokenStatus,
  newRequestId,
  newUserId,
  pgError,
  releaseTokens,
  reserveTokens,
  settleTokens,
} from "./helpers/metering";

const admin = createTestPool(4);
const server = createServicePool(10);
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

async function ledgerRows(userId: string) {
  const { rows } = await admin.query(
    "select request_id, total_tokens::int, plan_tokens::int, balance_tokens::int, outcome from public.usage_ledger where user_id = $1 order by id",
    [userId],
  );
  return rows;
}

describe("settle_tokens", () => {
  it("records the request in the usage ledger and removes its hold", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 500, max: 2000 });
    const settled = await settleTokens(server, {
      userId,
      requestId,
      input: 300,
      output: 900,
      costUsd: 0.000585,
      latencyMs: 1234,
      outcome: "ok",
    });
    expect(settled).toMatchObject({
      ok: true,
      request_id: requestId,
      total_tokens: 1200,
      plan_tokens: 1200,
      balance_tokens: 0,
      used: 1200,
      held: 0,
      cap: 40_000,
      balance: 0,
      already_settled: false,
      charged_period: "day",
    });
    const { rows } = await admin.query(
      "select model, input_tokens::int, output_tokens::int, cost_usd::text, latency_ms, outcome, period from public.usage_ledger where request_id = $1",
      [requestId],
    );
    expect(rows).toEqual([
      { model: "openai/gpt-4o-mini", input_tokens: 300, output_tokens: 900, cost_usd: "0.000585", latency_ms: 1234, outcome: "ok", period: "day" },
    ]);
    expect((await admin.query("select count(*)::int as n from public.reservations where request_id = $1", [requestId])).rows[0]).toEqual({ n: 0 });
    const account = await admin.query("select last_active_at is not null as active from public.accounts where user_id = $1", [userId]);
    expect(account.rows[0]).toEqual({ active: true });
  });

  it("prices a request from the model catalogue when the provider reported no cost", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 500, max: 2000 });
    await settleTokens(server, { userId, requestId, input: 300, output: 900, outcome: "aborted" });
    // openai/gpt-4o-mini: 0.15 USD per million input tokens, 0.60 per million output tokens
    const { rows } = await admin.query("select cost_usd::float8 as cost from public.usage_ledger where request_id = $1", [requestId]);
    expect(rows[0].cost).toBeCloseTo((300 * 0.15 + 900 * 0.6) / 1_000_000, 12);
  });

  it("a settle retried 3 times charges once", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 1000, max: 1000 });
    const first = await settleTokens(server, { userId, requestId, input: 100, output: 700 });
    expect(first).toMatchObject({ total_tokens: 800, already_settled: false, used: 800 });
    for (let i = 0; i < 3; i++) {
      // Even with other figures, a retry reports the first settlement and charges nothing.
      const again = await settleTokens(server, { userId, requestId, input: 5000, output: 5000 });
      expect(again).toMatchObject({ ok: true, total_tokens: 800, plan_tokens: 800, balance_tokens: 0, already_settled: true, used: 800 });
    }
    expect(await ledgerRows(userId)).toEqual([{ request_id: requestId, total_tokens: 800, plan_tokens: 800, balance_tokens: 0, outcome: "ok" }]);
    expect(await getTokenStatus(server, userId)).toMatchObject({ used: 800, held: 0 });
  });

  it("concurrent settles of one request charge once", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 1000, max: 1000 });
    const results = await Promise.all(Array.from({ length: 8 }, () => settleTokens(server, { userId, requestId, input: 400, output: 600 })));
    expect(results.filter((r) => !r.already_settled)).toHaveLength(1);
    expect(results.every((r) => r.ok && r.total_tokens === 1000)).toBe(true);
    expect(await ledgerRows(userId)).toHaveLength(1);
    expect(await getTokenStatus(server, userId)).toMatchObject({ used: 1000 });
  });

  it("a release retried 3 times is fine, and frees the hold once", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 1000, max: 1000 });
    expect(await getTokenStatus(server, userId)).toMatchObject({ held: 1000, remaining: 39_000 });
    expect(await releaseTokens(server, requestId)).toEqual({ ok: true, request_id: requestId, released: true });
    for (let i = 0; i < 3; i++) {
      expect(await releaseTokens(server, requestId)).toEqual({ ok: true, request_id: requestId, released: false });
    }
    expect(await getTokenStatus(server, userId)).toMatchObject({ held: 0, used: 0, remaining: 40_000 });
    expect(await ledgerRows(userId)).toEqual([]);
  });

  it("a release of an unknown or settled request releases nothing", async () => {
    expect(await releaseTokens(server, newRequestId())).toMatchObject({ ok: true, released: false });
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 10, max: 10 });
    await settleTokens(server, { userId, requestId, input: 5, output: 5 });
    expect(await releaseTokens(server, requestId)).toMatchObject({ ok: true, released: false });
    expect(await getTokenStatus(server, userId)).toMatchObject({ used: 10 });
  });

  it("a settle after a release still charges: the tokens were consumed", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 1000, max: 1000 });
    await releaseTokens(server, requestId);
    const settled = await settleTokens(server, { userId, requestId, input: 200, output: 300, outcome: "aborted" });
    expect(settled).toMatchObject({ ok: true, total_tokens: 500, plan_tokens: 500, already_settled: false, used: 500, held: 0 });
    // ...and then a reserve under that id is refused, and a release is a no-op.
    expect(await reserveTokens(server, { userId, requestId, min: 1, max: 1 })).toMatchObject({ ok: false, reason: "already_settled" });
    expect(await releaseTokens(server, requestId)).toMatchObject({ released: false });
  });

  it("a settle after the hold expired charges the hold's period", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 100, max: 100, now: "2031-05-05T23:59:00.000Z" });
    // 20 minutes later the hold has expired (ttl 600 s) and a new day has begun.
    const settled = await settleTokens(server, { userId, requestId, input: 60, output: 40, now: "2031-05-06T00:19:00.000Z" });
    expect(settled).toMatchObject({ charged_period_start: "2031-05-05T00:00:00.000Z", used: 0, period_start: "2031-05-06T00:00:00.000Z" });
    expect(await getTokenStatus(server, userId, "2031-05-05T23:59:30.000Z")).toMatchObject({ used: 100 });
  });

  it("an error outcome with zero tokens is recorded and charges nothing", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 100, max: 100 });
    const settled = await settleTokens(server, { userId, requestId, input: 0, output: 0, outcome: "error" });
    expect(settled).toMatchObject({ total_tokens: 0, plan_tokens: 0, balance_tokens: 0, used: 0, held: 0 });
    expect(await ledgerRows(userId)).toEqual([{ request_id: requestId, total_tokens: 0, plan_tokens: 0, balance_tokens: 0, outcome: "error" }]);
  });

  it("charges the plan allowance first, then the balance, then refuses; balance = sum(ledger) at every step", async () => {
    const userId = newUserId();
    expect(await adminSetCapOverride(server, userId, 1000)).toMatchObject({ ok: true, cap: 1000, balance: 0 });
    await expectBalanceMatchesLedger(admin, userId);
    expect(await adminGrantTokens(server, userId, 500, "welcome gift")).toMatchObject({ ok: true, balance: 500, remaining: 1500 });
    await expectBalanceMatchesLedger(admin, userId);

    const requestId = newRequestId();
    expect(await reserveTokens(server, { userId, requestId, min: 1200, max: 1200 })).toMatchObject({ ok: true, reserved: 1200, remaining: 300 });
    await expectBalanceMatchesLedger(admin, userId);
    const settled = await settleTokens(server, { userId, requestId, input: 200, output: 1000 });
    expect(settled).toMatchObject({ total_tokens: 1200, plan_tokens: 1000, balance_tokens: 200, used: 1000, cap: 1000, balance: 300, remaining: 300 });
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(300);

    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 301, max: 301 })).toMatchObject({
      ok: false,
      reason: "quota_exceeded",
      remaining: 300,
      balance: 300,
      used: 1000,
    });
    const last = newRequestId();
    expect(await reserveTokens(server, { userId, requestId: last, min: 300, max: 5000 })).toMatchObject({ ok: true, reserved: 300, remaining: 0 });
    expect(await settleTokens(server, { userId, requestId: last, input: 100, output: 200 })).toMatchObject({
      plan_tokens: 0,
      balance_tokens: 300,
      balance: 0,
      remaining: 0,
    });
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(0);

    const { rows } = await admin.query("select delta::int, kind, reason, request_id, actor from public.balance_ledger where user_id = $1 order by id", [userId]);
    expect(rows).toEqual([
      { delta: 500, kind: "grant", reason: "welcome gift", request_id: null, actor: "user_admin" },
      { delta: -200, kind: "usage", reason: "usage", request_id: requestId, actor: null },
      { delta: -300, kind: "usage", reason: "usage", request_id: last, actor: null },
    ]);
  });

  it("an upstream overshoot is charged in full: used exceeds the cap and the next reserve refuses", async () => {
    const userId = newUserId();
    await adminSetCapOverride(server, userId, 1000);
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 1000, max: 1000 });
    const settled = await settleTokens(server, { userId, requestId, input: 400, output: 900 });
    expect(settled).toMatchObject({ total_tokens: 1300, plan_tokens: 1300, balance_tokens: 0, used: 1300, cap: 1000, remaining: 0 });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 1 })).toMatchObject({ ok: false, reason: "quota_exceeded", remaining: 0 });
    // A grant is then usable at once: the overshoot does not eat into the balance retroactively.
    await adminGrantTokens(server, userId, 50);
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 100 })).toMatchObject({ ok: true, reserved: 50 });
  });

  it("a settle with no hold (e.g. the server lost it) charges the current period", async () => {
    const userId = newUserId();
    const settled = await settleTokens(server, { userId, requestId: newRequestId(), input: 10, output: 20, now: "2032-07-15T10:00:00.000Z" });
    expect(settled).toMatchObject({ total_tokens: 30, used: 30, charged_period_start: "2032-07-15T00:00:00.000Z" });
  });

  describe("bad input raises 22023 and changes nothing", () => {
    const cases: [string, Partial<Parameters<typeof settleTokens>[1]>, RegExp][] = [
      ["negative input", { input: -1 }, /p_input_tokens must be an integer >= 0 \(got -1\)/],
      ["negative output", { output: -10 }, /p_output_tokens must be an integer >= 0/],
      ["empty request id", { requestId: "" }, /p_request_id must be a non-empty string/],
      ["unknown outcome", { outcome: "timeout" }, /p_outcome must be 'ok', 'aborted' or 'error' \(got 'timeout'\)/],
      ["negative cost", { costUsd: -0.01 }, /p_cost_usd must be >= 0/],
    ];
    it.each(cases)("%s", async (_name, override, message) => {
      const userId = newUserId();
      const requestId = newRequestId();
      await reserveTokens(server, { userId, requestId, min: 100, max: 100 });
      const error = await pgError(settleTokens(server, { userId, requestId, input: 10, output: 10, ...override }));
      expect(error.code).toBe("22023");
      expect(error.message).toMatch(/^settle_tokens: /);
      expect(error.message).toMatch(message);
      expect(await ledgerRows(userId)).toEqual([]);
      expect(await getTokenStatus(server, userId)).toMatchObject({ used: 0, held: 100 });
    });

    it("a request held by another user", async () => {
      const owner = newUserId();
      const requestId = newRequestId();
      await reserveTokens(server, { userId: owner, requestId, min: 100, max: 100 });
      const error = await pgError(settleTokens(server, { userId: newUserId(), requestId, input: 10, output: 10 }));
      expect(error).toMatchObject({ code: "22023", message: expect.stringMatching(/belongs to another user/) });
      expect(await getTokenStatus(server, owner)).toMatchObject({ used: 0, held: 100 });
    });
  });
});

describe("admin functions", () => {
  it("admin_top_up credits once per payment reference", async () => {
    const userId = newUserId();
    const ref = `pay_${newRequestId()}`;
    expect(await adminTopUp(server, userId, 10_000, ref)).toMatchObject({ ok: true, balance: 10_000, remaining: 50_000 });
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(10_000);

    const duplicate = await adminTopUp(server, userId, 10_000, ref);
    expect(duplicate).toMatchObject({ ok: false, reason: "duplicate_payment_ref", payment_ref: ref, balance: 10_000 });
    // The same reference for another user is refused too.
    const other = newUserId();
    expect(await adminTopUp(server, other, 10_000, ref)).toMatchObject({ ok: false, reason: "duplicate_payment_ref", balance: 0 });
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(10_000);
    expect(await expectBalanceMatchesLedger(admin, other)).toBe(0);

    const { rows } = await admin.query("select delta::int, kind, payment_ref, actor from public.balance_ledger where user_id = $1", [userId]);
    expect(rows).toEqual([{ delta: 10_000, kind: "topup", payment_ref: ref, actor: "user_admin" }]);
  });

  it("concurrent top-ups with one payment reference credit once", async () => {
    const users = [newUserId(), newUserId()];
    const ref = `pay_${newRequestId()}`;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => adminTopUp(server, users[i % 2]!, 700, ref)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => r.reason === "duplicate_payment_ref")).toBe(true);
    const balances = await Promise.all(users.map((u) => expectBalanceMatchesLedger(admin, u)));
    expect(balances.reduce((a, b) => a + b, 0)).toBe(700);
  });

  it("admin_set_plan changes the plan and records who did it", async () => {
    const userId = newUserId();
    const result = await adminSetPlan(server, userId, "pro", "user_boss");
    expect(result).toMatchObject({ ok: true, changed: true, previous_plan: "free", plan: "pro", plan_name: "Pro", period: "month", cap: 1_500_000 });
    expect(await adminSetPlan(server, userId, "pro", "user_boss")).toMatchObject({ ok: true, changed: false });
    const { rows } = await admin.query("select kind, old_value, new_value, actor from public.account_events where user_id = $1 order by id", [userId]);
    expect(rows).toEqual([{ kind: "plan_changed", old_value: "free", new_value: "pro", actor: "user_boss" }]);
  });

  it("admin_set_cap_override sets and clears, with an audit row each", async () => {
    const userId = newUserId();
    expect(await adminSetCapOverride(server, userId, 123)).toMatchObject({ ok: true, changed: true, cap: 123, cap_override: 123, previous_cap_override: null });
    expect(await adminSetCapOverride(server, userId, 0)).toMatchObject({ cap: 0, remaining: 0 });
    expect(await adminSetCapOverride(server, userId, null)).toMatchObject({ ok: true, changed: true, cap: 40_000, cap_override: null, previous_cap_override: 0 });
    expect(await adminSetCapOverride(server, userId, null)).toMatchObject({ changed: false });
    const { rows } = await admin.query("select kind, old_value, new_value from public.account_events where user_id = $1 order by id", [userId]);
    expect(rows).toEqual([
      { kind: "cap_override_set", old_value: null, new_value: 123 },
      { kind: "cap_override_set", old_value: 123, new_value: 0 },
      { kind: "cap_override_cleared", old_value: 0, new_value: null },
    ]);
  });

  describe("bad input raises 22023 and changes nothing", () => {
    it("an unknown plan", async () => {
      const userId = newUserId();
      await adminSetPlan(server, userId, "pro");
      const error = await pgError(adminSetPlan(server, userId, "platinum"));
      expect(error).toEqual({ code: "22023", message: "admin_set_plan: unknown plan 'platinum'" });
      expect(await getTokenStatus(server, userId)).toMatchObject({ plan: "pro" });
    });

    it("an unknown plan does not create the account", async () => {
      const userId = newUserId();
      await pgError(adminSetPlan(server, userId, "platinum"));
      expect((await admin.query("select count(*)::int as n from public.accounts where user_id = $1", [userId])).rows[0]).toEqual({ n: 0 });
    });

    it.each([
      ["grant of 0 tokens", (u: string) => adminGrantTokens(server, u, 0), /admin_grant_tokens: p_tokens must be an integer >= 1 \(got 0\)/],
      ["negative grant", (u: string) => adminGrantTokens(server, u, -100), /p_tokens must be an integer >= 1/],
      ["grant without a reason", (u: string) => adminGrantTokens(server, u, 100, " "), /admin_grant_tokens: p_reason must be a non-empty string/],
      ["grant without an actor", (u: string) => adminGrantTokens(server, u, 100, "why", ""), /p_actor must be a non-empty string/],
      ["negative top-up", (u: string) => adminTopUp(server, u, -1, "pay_x"), /admin_top_up: p_tokens must be an integer >= 1/],
      ["top-up without a reference", (u: string) => adminTopUp(server, u, 100, ""), /admin_top_up: p_payment_ref must be a non-empty string/],
      ["negative cap", (u: string) => adminSetCapOverride(server, u, -1), /admin_set_cap_override: p_cap must be an integer >= 0/],
    ])("%s", async (_name, call, message) => {
      const userId = newUserId();
      await adminGrantTokens(server, userId, 10);
      const error = await pgError(call(userId));
      expect(error.code).toBe("22023");
      expect(error.message).toMatch(message);
      expect(await getTokenStatus(server, userId)).toMatchObject({ balance: 10, cap: 40_000 });
      expect(await expectBalanceMatchesLedger(admin, userId)).toBe(10);
    });
  });
});
