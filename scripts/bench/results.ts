import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AnalyticsBenchResult } from "./analytics";
import type { CheckpointResult } from "./checkpoints";
import type { ComparisonResult } from "./comparison";
import type { HttpComparison } from "./http";
import type { MachineInfo } from "./machine";
import type { MeteringResult, RoundTrips } from "./metering";
import type { TtftResult } from "./ttft";
import type { BrowserBudgets } from "./ui-budgets";

/** Everything one `npm run bench` measured: printed by report.ts, written as JSON to bench-results/latest.json. */
export type BenchResults = {
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  /** Other work on the machine: CPU share busy in 1 s before and 1 s after the run (null if unknown), 1-minute load averages. */
  load: { cpuBusyBefore: number | null; cpuBusyAfter: number | null; loadAvgStart: number; loadAvgEnd: number };
  /** 1. The product's metering against the minimal SQL baseline; null when skipped. */
  comparison: ComparisonResult | null;
  /** 2. Metering against select 1, durable and fast. */
  metering: {
    poolMax: number;
    results: MeteringResult[];
    roundTrips: RoundTrips | null;
    /** checkpoint_hold's cost (durable), at 1 and 16 callers; empty when skipped. */
    checkpoints?: CheckpointResult[];
  };
  ttft: {
    iterations: number;
    chunkDelayMs: number;
    results: TtftResult[];
    /** Every database round trip the app's pool made per POST /api/chat (rate limit, reserve, settle, save), in-process. */
    chatRoundTrips: number | null;
  } | null;
  http: { appPoolMax: number; runs: HttpComparison[] } | null;
  /** 5. Browser budgets (headless Chromium); null when skipped. */
  browser: BrowserBudgets | null;
  /** 6. Admin analytics on a seeded ledger. */
  analytics: AnalyticsBenchResult | null;
  targets: TargetCheck[];
  skipped: string[];
  notes: string[];
};

export type TargetCheck = { target: string; measured: string; verdict: "PASS" | "FAIL" | "SKIP" };

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}
