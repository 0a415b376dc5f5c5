import { formatMs, formatRate, formatSignedMs } from "./table";
import type { BenchResults, TargetCheck } from "./results";
import { checkBrowserTargets } from "./ui-targets";
import { analyticsTargets } from "./analytics";

/** The team's targets, checked against what this run measured. A miss is reported, never fatal. */
export function checkTargets(results: Omit<BenchResults, "targets">): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const durable = results.metering.results.filter((r) => r.durability === "durable");

  const c100 = durable.find((r) => r.concurrency === 100 && r.users > 1);
  checks.push(
    c100
      ? verdict("reserve p99 at 100 concurrent < 5 ms (durable)", `${formatMs(c100.reserve.p99)} ms`, c100.reserve.p99 < 5)
      : skip("reserve p99 at 100 concurrent < 5 ms (durable)"),
  );

  const trips = results.metering.roundTrips;
  checks.push(
    trips
      ? verdict("DB round trips per chat request, reserve + settle <= 2", `${trips.reserve} + ${trips.settle} = ${trips.perPair}`, trips.perPair <= 2)
      : skip("DB round trips per chat request, reserve + settle <= 2"),
  );

  const best = durable.filter((r) => r.users > 1).sort((a, b) => b.pairsPerSecond - a.pairsPerSecond)[0];
  checks.push(
    best
      ? verdict("reserve+settle pairs/s at best concurrency >= 2,000 (durable)", `${formatRate(best.pairsPerSecond)}/s (${best.scenario})`, best.pairsPerSecond >= 2000)
      : skip("reserve+settle pairs/s at best concurrency >= 2,000 (durable)"),
  );

  const ttft = results.ttft?.results ?? [];
  const direct = ttft.find((r) => r.path === "direct");
  for (const [path, label] of [
    ["in-process", "TTFT added by POST /api/chat at median < 5 ms (in-process)"],
    ["http", "TTFT added by POST /api/chat at median < 5 ms (HTTP, next start)"],
  ] as const) {
    const route = ttft.find((r) => r.path === path);
    if (!direct || !route || route.ttft.n === 0) {
      checks.push(skip(label));
      continue;
    }
    const added = route.ttft.median - direct.ttft.median;
    checks.push(verdict(label, `${formatSignedMs(added)} ms`, added < 5));
  }

  const tokens = results.http?.runs.find((run) => run.clients === 50)?.route;
  checks.push(
    tokens && tokens.latency.n > 0
      ? verdict("GET /api/tokens/current p99 at 50 clients < 20 ms (HTTP)", `${formatMs(tokens.latency.p99)} ms`, tokens.latency.p99 < 20)
      : skip("GET /api/tokens/current p99 at 50 clients < 20 ms (HTTP)"),
  );
  checks.push(...checkBrowserTargets(results.browser));
  checks.push(...analyticsTargets(results.analytics));
  return checks;
}

function verdict(target: string, measured: string, pass: boolean): TargetCheck {
  return { target, measured, verdict: pass ? "PASS" : "FAIL" };
}

function skip(target: string): TargetCheck {
  return { target, measured: "not measured", verdict: "SKIP" };
}
