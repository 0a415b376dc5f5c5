import { formatMs, formatRate, formatSignedMs } from "./table";
import type { BenchResults, TargetCheck } from "./results";
import { checkBrowserTargets } from "./ui-targets";
import { analyticsTargets } from "./analytics";
import { COMPARISON_SCENARIOS, type ComparisonResult } from "./comparison";

/** Product over baseline, measured in the same run (the issue "5/5 Speed"). */
const RATIO = { pairs: 0.85, reserveP99: 1.3, tokensVsBare: 0.8 };

/** The team's targets, checked against what this run measured. A miss is reported, never fatal. */
export function checkTargets(results: Omit<BenchResults, "targets">): TargetCheck[] {
  const checks: TargetCheck[] = [...comparisonTargets(results.comparison)];

  const trips = results.metering.roundTrips;
  checks.push(
    trips
      ? verdict("DB round trips per chat request, reserve + settle <= 2", `${trips.reserve} + ${trips.settle} = ${trips.perPair}`, trips.perPair <= 2)
      : skip("DB round trips per chat request, reserve + settle <= 2"),
  );

  const ttft = results.ttft?.results ?? [];
  const direct = ttft.find((r) => r.path === "direct");
  for (const [path, label, limit] of [
    ["in-process", "TTFT added by POST /api/chat at median < 5 ms (in-process)", (added: number) => added < 5],
    ["http", "TTFT added by POST /api/chat at median <= 6 ms (HTTP, next start)", (added: number) => added <= 6],
  ] as const) {
    const route = ttft.find((r) => r.path === path);
    if (!direct || !route || route.ttft.n === 0) {
      checks.push(skip(label));
      continue;
    }
    const added = route.ttft.median - direct.ttft.median;
    checks.push(verdict(label, `${formatSignedMs(added)} ms`, limit(added)));
  }

  const runs = results.http?.runs ?? [];
  for (const clients of [1, 50]) {
    const label = `GET /api/tokens/current req/s >= ${RATIO.tokensVsBare}x the bare dynamic route, ${clients} client${clients === 1 ? "" : "s"} (HTTP)`;
    const run = runs.find((r) => r.clients === clients);
    checks.push(
      run && run.route.latency.n > 0 && run.baseline.latency.n > 0
        ? ratioVerdict(label, run.route.requestsPerSecond, run.baseline.requestsPerSecond, "/s", (ratio) => ratio >= RATIO.tokensVsBare)
        : skip(label),
    );
  }
  const tokens10 = runs.find((r) => r.clients === 10)?.route;
  checks.push(
    tokens10 && tokens10.latency.n > 0
      ? verdict("GET /api/tokens/current p99 at 10 clients <= 25 ms (HTTP)", `${formatMs(tokens10.latency.p99)} ms`, tokens10.latency.p99 <= 25)
      : skip("GET /api/tokens/current p99 at 10 clients <= 25 ms (HTTP)"),
  );
  checks.push(...checkBrowserTargets(results.browser));
  checks.push(...analyticsTargets(results.analytics));
  return checks;
}

/** Section 1: the product's metering against the minimal baseline, per scenario (durable). */
function comparisonTargets(comparison: ComparisonResult | null): TargetCheck[] {
  return COMPARISON_SCENARIOS.flatMap(({ name }) => {
    const row = comparison?.rows.find((r) => r.scenario === name);
    const pairs = `metering pairs/s >= ${RATIO.pairs}x the minimal baseline, ${name} (durable)`;
    const p99 = `metering reserve p99 <= ${RATIO.reserveP99}x the minimal baseline, ${name} (durable)`;
    if (!row) return [skip(pairs), skip(p99)];
    return [
      ratioVerdict(pairs, row.product.pairsPerSecond, row.baseline.pairsPerSecond, "/s", (ratio) => ratio >= RATIO.pairs),
      ratioVerdict(p99, row.product.reserve.p99, row.baseline.reserve.p99, " ms", (ratio) => ratio <= RATIO.reserveP99),
    ];
  });
}

/** "0.93x (612 vs 658/s)": the product (or route) over its baseline, both figures shown. */
function ratioVerdict(target: string, value: number, base: number, unit: string, pass: (ratio: number) => boolean): TargetCheck {
  const ratio = value / base;
  if (!Number.isFinite(ratio) || base <= 0) return { target, measured: "-", verdict: "FAIL" };
  const figure = unit === "/s" ? formatRate : formatMs;
  return verdict(target, `${ratio.toFixed(2)}x (${figure(value)} vs ${figure(base)}${unit})`, pass(ratio));
}

function verdict(target: string, measured: string, pass: boolean): TargetCheck {
  return { target, measured, verdict: pass ? "PASS" : "FAIL" };
}

function skip(target: string): TargetCheck {
  return { target, measured: "not measured", verdict: "SKIP" };
}
