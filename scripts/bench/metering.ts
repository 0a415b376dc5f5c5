import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { MeteringStore } from "@/lib/metering/store";
import type { Durability } from "./durability";
import type { WireCounter } from "./server-pool";
import { runLoad, type LoadRun } from "./load";
import { summarize, type Summary } from "./stats";

/**
 * Metering overhead: reserve + settle pairs through createMeteringStore(createPgRpcClient(pool)),
 * the path the chat route takes, at several concurrencies; baseline `select 1` on the same pool
 * at the same concurrency.
 */

export const MODEL = "openai/gpt-4o-mini";
/** High enough that no benchmark user ever runs out of tokens: refusals take a cheaper path. */
export const BENCH_CAP = 1_000_000_000;

export type MeteringScenario = { name: string; concurrency: number; users: "distinct" | "one" };

export const SCENARIOS: MeteringScenario[] = [
  { name: "c=1", concurrency: 1, users: "distinct" },
  { name: "c=16", concurrency: 16, users: "distinct" },
  { name: "c=100", concurrency: 100, users: "distinct" },
  { name: "c=16 one user", concurrency: 16, users: "one" },
];

export type MeteringResult = {
  scenario: string;
  durability: Durability;
  concurrency: number;
  users: number;
  reserve: Summary;
  settle: Summary;
  baseline: Summary;
  pairsPerSecond: number;
  baselineOpsPerSecond: number;
  errors: number;
  firstError?: string;
};

export type MeteringContext = { pool: pg.Pool; store: MeteringStore; wire: WireCounter };

export type MeteringBounds = { measureMs: number; baselineMs: number; warmupMs: number; maxOps: number };

export async function benchMeteringScenario(
  ctx: MeteringContext,
  scenario: MeteringScenario,
  durability: Durability,
  bounds: MeteringBounds,
): Promise<MeteringResult> {
  const users = await prepareUsers(ctx.store, scenario.users === "one" ? 1 : scenario.concurrency);
  const userFor = (worker: number) => users[worker % users.length]!;
  const reserve: number[] = [];
  const settle: number[] = [];
  const pair = async (worker: number, record: boolean) => {
    const timing = await reserveAndSettle(ctx.store, userFor(worker));
    if (!record) return;
    reserve.push(timing.reserveMs);
    settle.push(timing.settleMs);
  };
  const concurrency = scenario.concurrency;

  await runLoad({ concurrency, maxOps: Math.max(200, concurrency * 5), maxMs: bounds.warmupMs }, (w) => pair(w, false));
  const run = await runLoad({ concurrency, maxOps: bounds.maxOps, maxMs: bounds.measureMs }, (w) => pair(w, true));

  const baseline: number[] = [];
  const selectOne = async (record: boolean) => {
    const startedAt = performance.now();
    await ctx.pool.query("select 1");
    if (record) baseline.push(performance.now() - startedAt);
  };
  await runLoad({ concurrency, maxOps: Math.max(200, concurrency * 5), maxMs: bounds.warmupMs / 2 }, () => selectOne(false));
  const baseRun = await runLoad({ concurrency, maxOps: bounds.maxOps, maxMs: bounds.baselineMs }, () => selectOne(true));

  return {
    scenario: scenario.name,
    durability,
    concurrency,
    users: users.length,
    reserve: summarize(reserve),
    settle: summarize(settle),
    baseline: summarize(baseline),
    pairsPerSecond: perSecond(run),
    baselineOpsPerSecond: perSecond(baseRun),
    errors: run.errors + baseRun.errors,
    ...(run.firstError || baseRun.firstError ? { firstError: run.firstError ?? baseRun.firstError } : {}),
  };
}

export type RoundTrips = { pairs: number; reserve: number; settle: number; perPair: number };

/** Database round trips of one reserve and one settle, counted on the wire over `pairs` sequential pairs. */
export async function countMeteringRoundTrips(ctx: MeteringContext, pairs = 100): Promise<RoundTrips> {
  const [userId] = await prepareUsers(ctx.store, 1);
  let reserve = 0;
  let settle = 0;
  for (let i = 0; i < pairs; i += 1) {
    const requestId = `bench_${randomUUID()}`;
    const before = ctx.wire.roundTrips;
    await reserveOrThrow(ctx.store, userId!, requestId);
    const between = ctx.wire.roundTrips;
    await settleOnce(ctx.store, userId!, requestId);
    reserve += between - before;
    settle += ctx.wire.roundTrips - between;
  }
  return { pairs, reserve: reserve / pairs, settle: settle / pairs, perPair: (reserve + settle) / pairs };
}

async function reserveAndSettle(store: MeteringStore, userId: string): Promise<{ reserveMs: number; settleMs: number }> {
  const requestId = `bench_${randomUUID()}`;
  const t0 = performance.now();
  await reserveOrThrow(store, userId, requestId);
  const t1 = performance.now();
  await settleOnce(store, userId, requestId);
  return { reserveMs: t1 - t0, settleMs: performance.now() - t1 };
}

/** One metering implementation's two calls for one request; each throws unless it did its job. */
export type PairCalls = {
  reserve: (userId: string, requestId: string) => Promise<void>;
  settle: (userId: string, requestId: string) => Promise<void>;
};

/** The product's: reserve_tokens and settle_tokens through the metering store, as below. */
export function productCalls(store: MeteringStore): PairCalls {
  return { reserve: (userId, requestId) => reserveOrThrow(store, userId, requestId), settle: (userId, requestId) => settleOnce(store, userId, requestId) };
}

async function reserveOrThrow(store: MeteringStore, userId: string, requestId: string): Promise<void> {
  const result = await store.reserveTokens({ userId, requestId, model: MODEL, minTokens: 96, maxTokens: 592, promptTokens: 80 });
  if (!result.ok) throw new Error(`reserve_tokens refused the request: ${result.reason}`);
}

async function settleOnce(store: MeteringStore, userId: string, requestId: string): Promise<void> {
  const result = await store.settleTokens({ requestId, userId, model: MODEL, inputTokens: 80, outputTokens: 150, latencyMs: 1, outcome: "ok" });
  if (result.alreadySettled) throw new Error(`settle_tokens found ${requestId} already settled`);
}

/** Fresh users with a cap no benchmark reaches (creates their accounts, so the first measured call is not a sign-up). */
export async function prepareUsers(store: MeteringStore, count: number): Promise<string[]> {
  const users = Array.from({ length: count }, () => `user_bench_${randomUUID()}`);
  for (const userId of users) await store.setCapOverride(userId, BENCH_CAP, "user_bench");
  return users;
}

function perSecond(run: LoadRun): number {
  return run.elapsedMs > 0 ? (run.ops / run.elapsedMs) * 1000 : 0;
}
