import { randomUUID } from "node:crypto";
import { runLoad } from "./load";
import { MODEL, prepareUsers, type MeteringContext } from "./metering";
import { summarize, type Summary } from "./stats";

/**
 * The write cost of hold checkpoints (issue 4/5): checkpoint_hold, the one UPDATE a streaming reply's
 * server makes 2 s after it starts and then every 5 s, timed on live holds at 1 and 16 callers
 * (durable, the seeded database). Per streaming reply that is 0.2 writes/s, so N concurrent streams
 * add N / 5 checkpoints per second: the report turns the measured throughput into that headroom.
 */
export type CheckpointResult = { concurrency: number; latency: Summary; perSecond: number; errors: number };

const HOLDS = 32;
export const CHECKPOINT_INTERVAL_S = 5;

export async function benchCheckpoints(ctx: MeteringContext, bounds: { measureMs: number; warmupMs: number }): Promise<CheckpointResult[]> {
  const users = await prepareUsers(ctx.store, HOLDS);
  const holds = await Promise.all(
    users.map(async (userId) => {
      const requestId = `bench_ckpt_${randomUUID()}`;
      const result = await ctx.store.reserveTokens({ userId, requestId, model: MODEL, minTokens: 96, maxTokens: 592, promptTokens: 80 });
      if (!result.ok) throw new Error(`reserve_tokens refused a checkpoint hold: ${result.reason}`);
      return requestId;
    }),
  );
  const results: CheckpointResult[] = [];
  try {
    let tokens = 0;
    for (const concurrency of [1, 16]) {
      const samples: number[] = [];
      const op = async (worker: number, record: boolean) => {
        const startedAt = performance.now();
        const alive = await ctx.store.checkpointHold(holds[worker % HOLDS]!, (tokens += 1));
        if (!alive) throw new Error("the checkpointed hold is gone");
        if (record) samples.push(performance.now() - startedAt);
      };
      await runLoad({ concurrency, maxOps: 100_000, maxMs: bounds.warmupMs }, (w) => op(w, false));
      const run = await runLoad({ concurrency, maxOps: 100_000, maxMs: bounds.measureMs }, (w) => op(w, true));
      results.push({ concurrency, latency: summarize(samples), perSecond: (run.ops / run.elapsedMs) * 1000, errors: run.errors });
    }
  } finally {
    await Promise.all(holds.map((requestId) => ctx.store.releaseTokens(requestId)));
  }
  return results;
}

/** The report's lines: latency, throughput, and how many concurrent streams that throughput carries. */
export function formatCheckpoints(results: readonly CheckpointResult[]): string[] {
  if (results.length === 0) return [];
  const lines = [`  Hold checkpoints (checkpoint_hold, durable; one per streaming reply every ${CHECKPOINT_INTERVAL_S} s after its first 2 s):`];
  for (const r of results) {
    lines.push(
      `    ${String(r.concurrency).padStart(2)} caller(s): median ${r.latency.median.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, ` +
        `${Math.round(r.perSecond).toLocaleString("en-US")}/s = the checkpoints of ${Math.round(r.perSecond * CHECKPOINT_INTERVAL_S).toLocaleString("en-US")} concurrent streams${r.errors ? `, ${r.errors} errors` : ""}`,
    );
  }
  return lines;
}
