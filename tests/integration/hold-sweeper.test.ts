import { afterAll, describe, expect, it } from "vitest";
import { createTestPool } from "./helpers/db";
import { callRpc, createServicePool, newRequestId, newUserId, reserveTokens, settleTokens } from "./helpers/metering";

/**
 * Holds of a server that died mid-stream: checkpoint_hold records progress, sweep_stale_holds settles
 * a silent hold at its last checkpoint (or releases one that never had a checkpoint), once. Every
 * hold here is taken at a time in 2011, and every sweep runs "in 2011": holds of the other test files
 * (taken now, on the same database) are never old enough for these sweeps to touch.
 */
const db = createTestPool(4);
const server = createServicePool(8);
afterAll(async () => {
  await Promise.all([db.end(), server.end()]);
});

const T0 = Date.parse("2011-03-01T10:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
type Sweep = { swept: number; released: number; tokens: number };
const sweep = (seconds: number, silence = 30) => callRpc<Sweep>(server, "sweep_stale_holds", { p_now: at(seconds), p_silence_seconds: silence });
const checkpoint = (requestId: string, tokens: number, seconds: number) =>
  callRpc<boolean>(server, "checkpoint_hold", { p_request_id: requestId, p_output_tokens: tokens, p_now: at(seconds) });

async function ledgerOf(userId: string) {
  const { rows } = await db.query("select request_id, input_tokens::int, output_tokens::int, outcome from public.usage_ledger where user_id = $1 order by id", [userId]);
  return rows;
}
const holdsOf = async (userId: string) => Number((await db.query("select count(*) from public.reservations where user_id = $1", [userId])).rows[0].count);

describe("checkpoints and the sweeper", () => {
  it("settles a silent hold as aborted at its last checkpoint, after the silence and not before, once", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    const hold = await reserveTokens(server, { userId, requestId, min: 100, max: 2000, promptTokens: 50, now: at(0) });
    expect(hold.ok).toBe(true);
    const prompt = Number((await db.query("select prompt_tokens from public.reservations where request_id = $1", [requestId])).rows[0].prompt_tokens);
    expect(await checkpoint(requestId, 80, 2)).toBe(true);
    expect(await checkpoint(requestId, 120, 7)).toBe(true);
    expect(await checkpoint(requestId, 100, 8)).toBe(true); // never goes back
    await sweep(38); // 30 s after the last checkpoint: still alive
    expect(await holdsOf(userId)).toBe(1);

    await sweep(39); // 31 s of silence
    expect(await holdsOf(userId)).toBe(0);
    expect(await ledgerOf(userId)).toEqual([{ request_id: requestId, input_tokens: prompt, output_tokens: 120, outcome: "aborted" }]);
    expect(await checkpoint(requestId, 200, 40)).toBe(false); // the hold is gone

    // A second sweeper charges nothing more.
    await sweep(100);
    expect(await ledgerOf(userId)).toHaveLength(1);
  });

  it("a settle arriving after the sweeper (a server that had spooled it) charges what the sweeper missed, once, in the hold's period", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 100, max: 2000, promptTokens: 50, now: at(0) });
    const prompt = Number((await db.query("select prompt_tokens from public.reservations where request_id = $1", [requestId])).rows[0].prompt_tokens);
    await checkpoint(requestId, 120, 2);
    await sweep(40);
    const sweptRow = await db.query("select swept, total_tokens::int from public.usage_ledger where request_id = $1", [requestId]);
    expect(sweptRow.rows).toEqual([{ swept: true, total_tokens: prompt + 120 }]);

    // The real settlement, replayed "a day later": the rest is charged to the 2011 day of the hold.
    const late = await settleTokens(server, { userId, requestId, input: prompt, output: 900, now: new Date(T0 + 86_400_000).toISOString() });
    expect(late).toMatchObject({ already_settled: false, total_tokens: prompt + 900 });
    const again = await settleTokens(server, { userId, requestId, input: prompt, output: 900, now: at(90_000) });
    expect(again).toMatchObject({ already_settled: true, total_tokens: prompt + 900 });
    await sweep(200_000);

    const rows = (await db.query(
      "select request_id, input_tokens::int, output_tokens::int, total_tokens::int, swept, corrects, period_start from public.usage_ledger where user_id = $1 order by id",
      [userId],
    )).rows;
    expect(rows.map((row) => ({ ...row, period_start: undefined }))).toEqual([
      { request_id: requestId, input_tokens: prompt, output_tokens: 120, total_tokens: prompt + 120, swept: true, corrects: null, period_start: undefined },
      { request_id: `${requestId}+late`, input_tokens: 0, output_tokens: 780, total_tokens: 780, swept: false, corrects: requestId, period_start: undefined },
    ]);
    expect(rows[1].period_start).toEqual(rows[0].period_start);
    // Usage equals the ledger: the period row holds both parts, once.
    const used = await db.query("select sum(plan_tokens_used)::int as used from public.usage_periods where user_id = $1", [userId]);
    expect(used.rows[0].used).toBe(prompt + 900);

    // A late settle that is not above what the sweeper charged adds nothing.
    const other = newRequestId();
    await reserveTokens(server, { userId, requestId: other, min: 100, max: 2000, promptTokens: 50, now: at(0) });
    await checkpoint(other, 300, 3);
    await sweep(60);
    const smaller = await settleTokens(server, { userId, requestId: other, input: 10, output: 250, now: at(61) });
    expect(smaller).toMatchObject({ already_settled: true });
    expect((await ledgerOf(userId)).filter((row) => row.request_id.startsWith(other))).toHaveLength(1);
  });

  it("releases a hold that never had a checkpoint (its server died before the reply got going): nothing charged", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await reserveTokens(server, { userId, requestId, min: 100, max: 1000, promptTokens: 40, now: at(0) });
    await sweep(29);
    expect(await holdsOf(userId)).toBe(1);
    await sweep(31);
    expect(await holdsOf(userId)).toBe(0);
    expect(await ledgerOf(userId)).toEqual([]);
  });

  it("two sweepers at once charge each hold once", async () => {
    const users = Array.from({ length: 8 }, () => newUserId());
    const requests = users.map(() => newRequestId());
    for (const [i, userId] of users.entries()) {
      await reserveTokens(server, { userId, requestId: requests[i]!, min: 50, max: 500, promptTokens: 20, now: at(0) });
      await checkpoint(requests[i]!, 10 + i, 1);
    }
    await Promise.all([sweep(60), sweep(60), sweep(60)]);
    for (const [i, userId] of users.entries()) {
      const rows = await ledgerOf(userId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ request_id: requests[i], output_tokens: 10 + i, outcome: "aborted" });
      expect(await holdsOf(userId)).toBe(0);
    }
  });

  it("refuses bad arguments", async () => {
    await expect(callRpc(server, "sweep_stale_holds", { p_silence_seconds: 1 })).rejects.toMatchObject({ code: "22023" });
    await expect(callRpc(server, "checkpoint_hold", { p_request_id: "x", p_output_tokens: -1 })).rejects.toMatchObject({ code: "22023" });
  });
});
