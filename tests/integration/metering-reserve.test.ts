import { afterAll, describe, expect, it } from "vitest";
import { asRole, createTestPool } from "./helpers/db";
import {
  ADVANCED_MODEL,
  BASIC_MODEL,
  PREMIUM_MODEL,
  adminSetPlan,
  callRpc,
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

const admin = createTestPool(4); // superuser: reads the tables behind the functions
const server = createServicePool(20); // the server's role
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

const FREE_CAP = 40_000;

describe("reserve_tokens", () => {
  it("the service pool runs every session as service_role", async () => {
    const { rows } = await server.query("select current_user as who, session_user as login");
    expect(rows[0]).toEqual({ who: "service_role", login: "postgres" });
  });

  it("500 concurrent reserves against a 40,000 cap: exactly 40 holds, no error, then 40 settles use exactly the cap", async () => {
    const userId = newUserId();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 500 }, () => reserveTokens(server, { userId, requestId: newRequestId(), min: 1000, max: 1000 })),
    );
    const reserveMs = performance.now() - started;

    const granted = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(granted).toHaveLength(40);
    expect(refused).toHaveLength(460);
    expect(new Set(refused.map((r) => (r.ok ? "ok" : r.reason)))).toEqual(new Set(["quota_exceeded"]));
    expect(granted.every((r) => r.ok && r.reserved === 1000)).toBe(true);
    expect(refused.every((r) => r.remaining === 0 && r.cap === FREE_CAP)).toBe(true);

    const held = await admin.query<{ n: string; sum: string }>(
      "select count(*) as n, sum(tokens) as sum from public.reservations where user_id = $1",
      [userId],
    );
    expect(held.rows[0]).toEqual({ n: "40", sum: String(FREE_CAP) });
    // The race created the account once, with one free-plan row.
    expect((await admin.query("select plan_id from public.accounts where user_id = $1", [userId])).rows).toEqual([{ plan_id: "free" }]);

    const settled = await Promise.all(
      granted.map((r) => settleTokens(server, { userId, requestId: r.request_id, input: 250, output: 750 })),
    );
    expect(settled.every((s) => s.ok && !s.already_settled && s.plan_tokens === 1000 && s.balance_tokens === 0)).toBe(true);

    const status = await getTokenStatus(server, userId);
    expect(status).toMatchObject({ used: FREE_CAP, cap: FREE_CAP, held: 0, remaining: 0, balance: 0 });
    const ledger = await admin.query<{ n: string; sum: string }>(
      "select count(*) as n, sum(total_tokens) as sum from public.usage_ledger where user_id = $1",
      [userId],
    );
    expect(ledger.rows[0]).toEqual({ n: "40", sum: String(FREE_CAP) });
    expect((await admin.query("select count(*)::int as n from public.reservations where user_id = $1", [userId])).rows[0]).toEqual({ n: 0 });
    expect(reserveMs).toBeLessThan(5000);
  });

  it("clamps the hold to what remains, atomically, then refuses", async () => {
    const userId = newUserId();
    const first = await reserveTokens(server, { userId, requestId: newRequestId(), min: 38_500, max: 38_500 });
    expect(first).toMatchObject({ ok: true, reserved: 38_500, held: 38_500, remaining: 1500 });

    const clamped = await reserveTokens(server, { userId, requestId: newRequestId(), min: 100, max: 4000 });
    expect(clamped).toMatchObject({ ok: true, reserved: 1500, held: FREE_CAP, remaining: 0, used: 0, cap: FREE_CAP });

    const refused = await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 1 });
    expect(refused).toMatchObject({
      ok: false,
      reason: "quota_exceeded",
      used: 0,
      cap: FREE_CAP,
      balance: 0,
      held: FREE_CAP,
      remaining: 0,
      plan: "free",
      period: "day",
    });
    expect(refused.period_start).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    expect(Date.parse(refused.resets_at) - Date.parse(refused.period_start)).toBe(86_400_000);
  });

  it("a retried reserve with the same request id holds once", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    const first = await reserveTokens(server, { userId, requestId, min: 500, max: 3000 });
    expect(first).toMatchObject({ ok: true, reserved: 3000, already_reserved: false });
    for (let i = 0; i < 3; i++) {
      const again = await reserveTokens(server, { userId, requestId, min: 500, max: 9000 });
      expect(again).toMatchObject({ ok: true, reserved: 3000, held: 3000, already_reserved: true, expires_at: first.ok && first.expires_at });
    }
    // Concurrent retries too.
    const burst = await Promise.all(Array.from({ length: 10 }, () => reserveTokens(server, { userId, requestId, min: 500, max: 3000 })));
    expect(burst.every((r) => r.ok && r.reserved === 3000)).toBe(true);
    const { rows } = await admin.query("select request_id, tokens::int from public.reservations where user_id = $1", [userId]);
    expect(rows).toEqual([{ request_id: requestId, tokens: 3000 }]);
  });

  it("refuses a request id that was already settled", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 100, max: 100 });
    await settleTokens(server, { userId, requestId, input: 40, output: 60 });
    const again = await reserveTokens(server, { userId, requestId, min: 100, max: 100 });
    expect(again).toMatchObject({ ok: false, reason: "already_settled", request_id: requestId, used: 100, held: 0 });
  });

  it("an expired hold stops counting", async () => {
    const userId = newUserId();
    const t0 = new Date("2031-03-10T12:00:00.000Z");
    const first = await reserveTokens(server, { userId, requestId: newRequestId(), min: 30_000, max: 30_000, now: t0 });
    expect(first).toMatchObject({ ok: true, reserved: 30_000, expires_at: "2031-03-10T12:10:00.000Z" });

    // One second before expiry the hold still counts...
    const before = await reserveTokens(server, { userId, requestId: newRequestId(), min: 20_000, max: 20_000, now: new Date(t0.getTime() + 599_000) });
    expect(before).toMatchObject({ ok: false, reason: "quota_exceeded", held: 30_000, remaining: 10_000 });
    // ...at expires_at it no longer does (expires_at > now is what counts).
    const atExpiry = await getTokenStatus(server, userId, new Date(t0.getTime() + 600_000));
    expect(atExpiry).toMatchObject({ held: 0, remaining: FREE_CAP });
    const after = await reserveTokens(server, { userId, requestId: newRequestId(), min: 20_000, max: 40_000, now: new Date(t0.getTime() + 601_000) });
    expect(after).toMatchObject({ ok: true, reserved: FREE_CAP, held: FREE_CAP, remaining: 0 });
  });

  it("a retried reserve whose hold expired reserves afresh under the same id", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    const t0 = new Date("2031-03-11T08:00:00.000Z");
    await reserveTokens(server, { userId, requestId, min: 1000, max: 1000, now: t0 });
    const later = new Date(t0.getTime() + 601_000);
    const again = await reserveTokens(server, { userId, requestId, min: 1000, max: 2000, now: later });
    expect(again).toMatchObject({ ok: true, reserved: 2000, held: 2000, already_reserved: false, expires_at: "2031-03-11T08:20:01.000Z" });
  });

  it("deletes the user's holds that expired more than an hour ago", async () => {
    const userId = newUserId();
    const t0 = new Date("2031-04-01T10:00:00.000Z");
    const old = newRequestId();
    await reserveTokens(server, { userId, requestId: old, min: 10, max: 10, now: t0 });
    const recentlyExpired = newRequestId();
    await reserveTokens(server, { userId, requestId: recentlyExpired, min: 10, max: 10, now: new Date(t0.getTime() + 60 * 60_000) });
    // old expired at 10:10, so at 11:10:00 it is an hour past expiry; the other expired at 11:10.
    await reserveTokens(server, { userId, requestId: newRequestId(), min: 10, max: 10, now: new Date(t0.getTime() + 70 * 60_000) });
    const { rows } = await admin.query<{ request_id: string }>("select request_id from public.reservations where user_id = $1", [userId]);
    expect(rows.map((r) => r.request_id)).not.toContain(old);
    expect(rows.map((r) => r.request_id)).toContain(recentlyExpired);
  });

  describe("model check", () => {
    it("allows the plan's tiers only, and unknown models never", async () => {
      const userId = newUserId();
      expect(await reserveTokens(server, { userId, requestId: newRequestId(), model: BASIC_MODEL, min: 1, max: 10 })).toMatchObject({ ok: true });
      for (const model of [ADVANCED_MODEL, "anthropic/claude-sonnet-4"]) {
        const refused = await reserveTokens(server, { userId, requestId: newRequestId(), model, min: 1, max: 10 });
        expect(refused).toMatchObject({ ok: false, reason: "model_not_allowed", model, plan: "free" });
      }
      const unknown = await reserveTokens(server, { userId, requestId: newRequestId(), model: "nobody/no-such-model", min: 1, max: 10 });
      expect(unknown).toMatchObject({ ok: false, reason: "unknown_model", model: "nobody/no-such-model" });
      await adminSetPlan(server, userId, "pro");
      expect(await reserveTokens(server, { userId, requestId: newRequestId(), model: ADVANCED_MODEL, min: 1, max: 10 })).toMatchObject({
        ok: true,
        plan: "pro",
      });
      expect(await reserveTokens(server, { userId, requestId: newRequestId(), model: "openai/o3", min: 1, max: 10 })).toMatchObject({
        ok: false,
        reason: "model_not_allowed",
      });
      await adminSetPlan(server, userId, "max");
      expect(await reserveTokens(server, { userId, requestId: newRequestId(), model: "openai/o3", min: 1, max: 10 })).toMatchObject({ ok: true });
    });

    it("refuses a disabled model", async () => {
      const userId = newUserId();
      await asRole(server, "service_role", null, async (c) => {
        await c.query("update public.models set enabled = false where id = $1", [BASIC_MODEL]);
        const refused = await reserveTokens(c, { userId, requestId: newRequestId(), model: BASIC_MODEL, min: 1, max: 10 });
        expect(refused).toMatchObject({ ok: false, reason: "unknown_model" });
      });
    });
  });

  it("refuses a request larger than the model's context window and never holds more than it", async () => {
    const userId = newUserId();
    await asRole(server, "service_role", null, async (c) => {
      await c.query("update public.models set context_window = 1000 where id = $1", [BASIC_MODEL]);
      const refused = await reserveTokens(c, { userId, requestId: newRequestId(), min: 1001, max: 2000, promptTokens: 990 });
      expect(refused).toMatchObject({ ok: false, reason: "prompt_too_long", context_window: 1000 });
      const clamped = await reserveTokens(c, { userId, requestId: newRequestId(), min: 900, max: 5000, promptTokens: 800 });
      expect(clamped).toMatchObject({ ok: true, reserved: 1000 });
      // Without a prompt size the call is not a chat request: no context window applies.
      const generic = await reserveTokens(c, { userId, requestId: newRequestId(), min: 1500, max: 1500 });
      expect(generic).toMatchObject({ ok: true, reserved: 1500 });
    });
  });

  it("holds a prompt scaled by the model's prompt_token_factor, so other tokenizers cannot overshoot", async () => {
    const userId = newUserId();
    await adminSetPlan(server, userId, "max");
    // anthropic/claude-sonnet-4 holds prompts at 1.30x: 1000 of our tokens are held as 1300.
    const held = await reserveTokens(server, { userId, requestId: newRequestId(), model: PREMIUM_MODEL, min: 1016, max: 1500, promptTokens: 1000 });
    expect(held).toMatchObject({ ok: true, prompt_tokens: 1300, reserved: 1800 });
    const exact = await reserveTokens(server, { userId, requestId: newRequestId(), model: BASIC_MODEL, min: 1016, max: 1500, promptTokens: 1000 });
    expect(exact).toMatchObject({ ok: true, prompt_tokens: 1000, reserved: 1500 });
  });

  it("reports what a refused request needed with its prompt scaled, and a retry returns the prompt part of its hold", async () => {
    const userId = newUserId();
    await adminSetPlan(server, userId, "max");
    await callRpc(server, "admin_set_cap_override", { p_user_id: userId, p_cap: 1200, p_actor: "test" });
    const refused = await reserveTokens(server, { userId, requestId: newRequestId(), model: PREMIUM_MODEL, min: 1016, max: 1500, promptTokens: 1000 });
    expect(refused).toMatchObject({ ok: false, reason: "quota_exceeded", needed: 1316, remaining: 1200 });
    const requestId = newRequestId();
    const first = await reserveTokens(server, { userId, requestId, model: PREMIUM_MODEL, min: 116, max: 500, promptTokens: 100 });
    expect(first).toMatchObject({ ok: true, prompt_tokens: 130, reserved: 530 });
    const retry = await reserveTokens(server, { userId, requestId, model: PREMIUM_MODEL, min: 116, max: 500, promptTokens: 100 });
    expect(retry).toMatchObject({ ok: true, already_reserved: true, prompt_tokens: 130, reserved: 530 });
  });

  it("caps the output part of a hold at the plan's max_output_tokens when the prompt size is given", async () => {
    const userId = newUserId();
    // free: max_output_tokens 2048; prompt 300, asked for up to 300 + 10,000
    const held = await reserveTokens(server, { userId, requestId: newRequestId(), min: 301, max: 10_300, promptTokens: 300 });
    expect(held).toMatchObject({ ok: true, reserved: 300 + 2048 });
    // Without the prompt size the hold is only bounded by what remains.
    const unbounded = await reserveTokens(server, { userId, requestId: newRequestId(), min: 301, max: 10_300 });
    expect(unbounded).toMatchObject({ ok: true, reserved: 10_300 });
    await expect(reserveTokens(server, { userId, requestId: newRequestId(), min: 10, max: 20, promptTokens: 10 })).rejects.toThrow(
      /p_prompt_tokens must be/,
    );
  });

  it("editing a plan's cap changes the very next reserve", async () => {
    const userId = newUserId();
    // In a rolled-back transaction: the database is shared with the other test files.
    await asRole(server, "service_role", null, async (c) => {
      expect(await reserveTokens(c, { userId, requestId: newRequestId(), min: 5000, max: 5000 })).toMatchObject({ ok: true, cap: FREE_CAP });
      await c.query("update public.plans set token_cap = 6000 where id = 'free'");
      expect(await reserveTokens(c, { userId, requestId: newRequestId(), min: 5000, max: 5000 })).toMatchObject({
        ok: false,
        reason: "quota_exceeded",
        cap: 6000,
        remaining: 1000,
      });
      await c.query("update public.plans set token_cap = 100000 where id = 'free'");
      expect(await reserveTokens(c, { userId, requestId: newRequestId(), min: 5000, max: 5000 })).toMatchObject({ ok: true, cap: 100_000 });
    });
    expect((await admin.query("select token_cap::int from public.plans where id = 'free'")).rows[0]).toEqual({ token_cap: FREE_CAP });
  });

  it("a new account gets the starter balance, written to the ledger as a grant", async () => {
    const userId = newUserId();
    await asRole(server, "service_role", null, async (c) => {
      await c.query("update public.app_settings set starter_balance = 2500");
      const r = await reserveTokens(c, { userId, requestId: newRequestId(), min: 100, max: 100 });
      expect(r).toMatchObject({ ok: true, balance: 2500, remaining: FREE_CAP + 2500 - 100 });
      const { rows } = await c.query("select delta::int, kind, reason from public.balance_ledger where user_id = $1", [userId]);
      expect(rows).toEqual([{ delta: 2500, kind: "grant", reason: "starter balance" }]);
      await expectBalanceMatchesLedger(c, userId);
    });
  });

  it("with no starter balance a new account has no ledger row", async () => {
    const userId = newUserId();
    await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 1 });
    expect((await admin.query("select count(*)::int as n from public.balance_ledger where user_id = $1", [userId])).rows[0]).toEqual({ n: 0 });
    expect(await expectBalanceMatchesLedger(admin, userId)).toBe(0);
  });

  describe("bad input raises 22023 and changes nothing", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["negative min", { min: -5, max: 10 }, /p_min_tokens must be an integer >= 1 \(got -5\)/],
      ["zero min", { min: 0, max: 10 }, /p_min_tokens must be an integer >= 1/],
      ["max below min", { min: 100, max: 99 }, /p_max_tokens must be an integer >= 100 \(got 99\)/],
      ["empty request id", { requestId: "" }, /p_request_id must be a non-empty string/],
      ["blank user id", { userId: "  " }, /p_user_id must be a non-empty string/],
      ["blank model", { model: " " }, /p_model must be a non-empty string/],
    ];
    it.each(cases)("%s", async (_name, override, message) => {
      const userId = newUserId();
      const args = { userId, requestId: newRequestId(), model: BASIC_MODEL, min: 10, max: 20, ...override } as Parameters<typeof reserveTokens>[1];
      const error = await pgError(reserveTokens(server, args));
      expect(error.code).toBe("22023");
      expect(error.message).toMatch(/^reserve_tokens: /);
      expect(error.message).toMatch(message);
      expect((await admin.query("select count(*)::int as n from public.accounts where user_id = $1", [userId])).rows[0]).toEqual({ n: 0 });
    });
  });

  it("a request id held by another user is an error, not a hold", async () => {
    const requestId = newRequestId();
    await reserveTokens(server, { userId: newUserId(), requestId, min: 1, max: 1 });
    const error = await pgError(reserveTokens(server, { userId: newUserId(), requestId, min: 1, max: 1 }));
    expect(error).toMatchObject({ code: "22023", message: expect.stringMatching(/belongs to another user/) });
  });

  it("release then reserve again under a new id frees the tokens", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: FREE_CAP, max: FREE_CAP });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: 1, max: 1 })).toMatchObject({ ok: false });
    expect(await releaseTokens(server, requestId)).toEqual({ ok: true, request_id: requestId, released: true });
    expect(await reserveTokens(server, { userId, requestId: newRequestId(), min: FREE_CAP, max: FREE_CAP })).toMatchObject({ ok: true });
  });
});
