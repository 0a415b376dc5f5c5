import { randomUUID } from "node:crypto";
import pg from "pg";
import { addBaselineUsers, baselineCalls } from "./baseline";
import { seedComparison, type ComparisonSeed, type SeedCounts } from "./comparison-seed";
import { runLoad } from "./load";
import { BENCH_CAP, prepareUsers, productCalls, type MeteringContext, type PairCalls } from "./metering";
import { summarize, type Summary } from "./stats";

/**
 * 1. The product's metering (reserve_tokens + settle_tokens through the metering store) against the
 * minimal SQL baseline (baseline-sql.ts), on the same seeded database, pool and durable settings.
 * Interleaved rounds: in each round every scenario runs the baseline and then the product, the
 * order swapping every round, so drift on a shared machine (other work, autovacuum, the WAL, the
 * tables growing) weighs on both alike. Each run is a warm-up then a measured closed loop.
 * pairs/s is the median over rounds; reserve latencies are pooled over the rounds.
 */

export type ComparisonScenario = { name: string; concurrency: number; users: "spread" | "hot" };

export const COMPARISON_SCENARIOS: ComparisonScenario[] = [
  { name: "1 caller", concurrency: 1, users: "spread" },
  { name: "16 callers", concurrency: 16, users: "spread" },
  { name: "100 callers", concurrency: 100, users: "spread" },
  { name: "100 callers, hot user", concurrency: 100, users: "hot" },
];

export type MeteringSystem = "baseline" | "product";

export type SystemFigures = {
  /** Median over rounds. */
  pairsPerSecond: number;
  roundPairsPerSecond: number[];
  reserve: Summary;
  settle: Summary;
  errors: number;
  firstError?: string;
};

export type ComparisonRow = { scenario: string; concurrency: number; users: number } & Record<MeteringSystem, SystemFigures>;

export type ComparisonBounds = { rounds: number; warmupMs: number; measureMs: number; maxOps: number };

export type ComparisonResult = { rounds: number; measureMs: number; poolMax: number; seed: ComparisonSeed; seeded: SeedCounts; seedMs: number; rows: ComparisonRow[] };

type Samples = { rounds: number[]; reserve: number[]; settle: number[]; errors: number; firstError?: string };

export async function benchComparison(
  ctx: MeteringContext & { poolMax: number },
  superuserUrl: string,
  seed: ComparisonSeed,
  bounds: ComparisonBounds,
  log: (line: string) => void,
): Promise<ComparisonResult> {
  const owner = new pg.Pool({ connectionString: superuserUrl, max: 1, application_name: "tokenmeter-bench-comparison" });
  try {
    return await compare(ctx, owner, seed, bounds, log);
  } finally {
    await owner.end();
  }
}

async function compare(
  ctx: MeteringContext & { poolMax: number },
  owner: pg.Pool,
  seed: ComparisonSeed,
  bounds: ComparisonBounds,
  log: (line: string) => void,
): Promise<ComparisonResult> {
  log(`seeding both schemas: ${seed.accounts.toLocaleString("en-US")} accounts, ${seed.holds.toLocaleString("en-US")} holds, ${seed.ledgerRows.toLocaleString("en-US")} ledger rows`);
  const t0 = performance.now();
  const seeded = await seedComparison(owner, seed, log);
  const seedMs = performance.now() - t0;

  const systems: Record<MeteringSystem, PairCalls> = { baseline: baselineCalls(ctx.pool), product: productCalls(ctx.store) };
  const users = new Map<ComparisonScenario, string[]>();
  const samples = new Map<string, Samples>();
  for (const scenario of COMPARISON_SCENARIOS) {
    const ids = await prepareUsers(ctx.store, scenario.users === "hot" ? 1 : scenario.concurrency);
    await addBaselineUsers(owner, ids, BENCH_CAP);
    users.set(scenario, ids);
    for (const system of ["baseline", "product"] as const) samples.set(`${scenario.name}/${system}`, { rounds: [], reserve: [], settle: [], errors: 0 });
  }

  for (let round = 0; round < bounds.rounds; round += 1) {
    const order: MeteringSystem[] = round % 2 === 0 ? ["baseline", "product"] : ["product", "baseline"];
    const line: string[] = [];
    for (const scenario of COMPARISON_SCENARIOS) {
      for (const system of order) await runPairs(systems[system], users.get(scenario)!, scenario.concurrency, bounds, samples.get(`${scenario.name}/${system}`)!);
      const last = (system: MeteringSystem) => Math.round(samples.get(`${scenario.name}/${system}`)!.rounds.at(-1)!);
      line.push(`${scenario.name} ${last("baseline")} vs ${last("product")}`);
    }
    log(`  round ${round + 1} of ${bounds.rounds} (${order[0]} first), pairs/s baseline vs product: ${line.join("; ")}`);
  }

  const figures = (scenario: ComparisonScenario, system: MeteringSystem): SystemFigures => {
    const s = samples.get(`${scenario.name}/${system}`)!;
    return {
      pairsPerSecond: summarize(s.rounds).median,
      roundPairsPerSecond: s.rounds,
      reserve: summarize(s.reserve),
      settle: summarize(s.settle),
      errors: s.errors,
      ...(s.firstError ? { firstError: s.firstError } : {}),
    };
  };
  const rows = COMPARISON_SCENARIOS.map((scenario) => ({
    scenario: scenario.name,
    concurrency: scenario.concurrency,
    users: users.get(scenario)!.length,
    baseline: figures(scenario, "baseline"),
    product: figures(scenario, "product"),
  }));
  return { rounds: bounds.rounds, measureMs: bounds.measureMs, poolMax: ctx.poolMax, seed, seeded, seedMs, rows };
}

/** One run: a warm-up, then `concurrency` callers doing reserve + settle pairs back to back, each caller on user `worker % users`. */
async function runPairs(calls: PairCalls, users: string[], concurrency: number, bounds: ComparisonBounds, into: Samples): Promise<void> {
  const pair = async (worker: number, record: boolean) => {
    const userId = users[worker % users.length]!;
    const requestId = `bench_${randomUUID()}`;
    const t0 = performance.now();
    await calls.reserve(userId, requestId);
    const t1 = performance.now();
    await calls.settle(userId, requestId);
    if (!record) return;
    into.reserve.push(t1 - t0);
    into.settle.push(performance.now() - t1);
  };
  await runLoad({ concurrency, maxOps: Math.max(200, concurrency * 5), maxMs: bounds.warmupMs }, (w) => pair(w, false));
  const run = await runLoad({ concurrency, maxOps: bounds.maxOps, maxMs: bounds.measureMs }, (w) => pair(w, true));
  into.rounds.push(run.elapsedMs > 0 ? (run.ops / run.elapsedMs) * 1000 : 0);
  into.errors += run.errors;
  into.firstError ??= run.firstError;
}
