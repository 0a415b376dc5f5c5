import { formatCheckpoints } from "./checkpoints";
import type { BenchResults } from "./results";
import { formatMs, formatRate, formatRatio, formatSignedMs, formatTable } from "./table";
import { analyticsSection } from "./analytics";
import { comparisonSection } from "./comparison-report";
import { browserSection } from "./ui-report";

/** The printed report: one table per benchmark, then the targets. Latencies in ms; ratios are against the baseline median. */
export function formatReport(results: BenchResults): string {
  const { machine } = results;
  const out: string[] = [
    `Tokenmeter benchmarks: Node ${machine.node}, ${machine.platform}/${machine.arch}, ${machine.cpus} CPUs (${machine.cpuModel}), ${results.startedAt}`,
    loadLine(results),
    "",
    ...comparisonSection(results.comparison),
    ...meteringSection(results),
    ...ttftSection(results),
    ...httpSection(results),
    ...browserSection(results.browser),
    ...analyticsSection(results.analytics),
    "Targets (a FAIL is reported, not fatal)",
    formatTable(
      [{ header: "target" }, { header: "measured", align: "right" }, { header: "verdict" }],
      results.targets.map((t) => [t.target, t.measured, t.verdict]),
    ),
    "",
  ];
  if (results.skipped.length > 0) out.push("Skipped:", ...results.skipped.map((line) => `  - ${line}`), "");
  if (results.notes.length > 0) out.push("Notes:", ...results.notes.map((line) => `  - ${line}`), "");
  out.push(`Total ${(results.durationMs / 1000).toFixed(1)} s.`);
  return out.join("\n");
}

function loadLine(results: BenchResults): string {
  const { cpuBusyBefore, cpuBusyAfter, loadAvgStart, loadAvgEnd } = results.load;
  const share = (value: number | null) => (value === null ? "unknown" : `${Math.round(value * 100)}%`);
  const line =
    `Other work: CPUs ${share(cpuBusyBefore)} busy in the second before the run, ${share(cpuBusyAfter)} in the second after; ` +
    `load average ${loadAvgStart.toFixed(2)} before, ${loadAvgEnd.toFixed(2)} at the end.`;
  const busy = [cpuBusyBefore, cpuBusyAfter].some((value) => value !== null && value > 0.25);
  return busy ? `${line}\nWARNING: other processes were using the CPUs; these figures are pessimistic.` : line;
}

function meteringSection(results: BenchResults): string[] {
  const { metering } = results;
  const rows = metering.results.map((r) => [
    r.durability,
    r.scenario,
    String(r.users),
    formatMs(r.reserve.median),
    formatMs(r.reserve.p99),
    formatMs(r.settle.median),
    formatMs(r.settle.p99),
    formatMs(r.baseline.median),
    formatMs(r.baseline.p99),
    formatRatio(r.reserve.median, r.baseline.median),
    formatRatio(r.settle.median, r.baseline.median),
    formatRate(r.pairsPerSecond),
    formatRate(r.baselineOpsPerSecond),
    String(r.errors),
  ]);
  const trips = metering.roundTrips;
  const firstErrors = metering.results.filter((r) => r.firstError).map((r) => `  first error (${r.durability} ${r.scenario}): ${r.firstError}`);
  return [
    `2. Metering, durable and fast: reserve + settle via createMeteringStore(createPgRpcClient(pool)), pool max ${metering.poolMax}, embedded PostgreSQL 17;`,
    "     baseline: select 1 on the same pool at the same concurrency. Latency includes waiting for a pooled connection.",
    formatTable(
      [
        { header: "db" },
        { header: "callers" },
        { header: "users", align: "right" },
        { header: "reserve med", align: "right" },
        { header: "p99", align: "right" },
        { header: "settle med", align: "right" },
        { header: "p99", align: "right" },
        { header: "select1 med", align: "right" },
        { header: "p99", align: "right" },
        { header: "reserve/base", align: "right" },
        { header: "settle/base", align: "right" },
        { header: "pairs/s", align: "right" },
        { header: "select1/s", align: "right" },
        { header: "errors", align: "right" },
      ],
      rows,
    ),
    ...firstErrors,
    trips
      ? `  Round trips on the wire (ReadyForQuery), ${trips.pairs} sequential pairs: reserve ${trips.reserve}, settle ${trips.settle}, per pair ${trips.perPair}.`
      : "  Round trips: not measured.",
    ...formatCheckpoints(metering.checkpoints ?? []),
    "",
  ];
}

function ttftSection(results: BenchResults): string[] {
  const ttft = results.ttft;
  if (!ttft) return [];
  const direct = ttft.results.find((r) => r.path === "direct");
  const labels: Record<string, string> = {
    direct: "direct: openai SDK -> local LLM server",
    "in-process": "POST /api/chat, handler in-process",
    http: "POST /api/chat over HTTP (next start)",
  };
  const rows = ttft.results.map((r) => {
    const base = r.path !== "direct" && direct;
    return [
      labels[r.path] ?? r.path,
      String(r.ttft.n),
      formatMs(r.ttft.median),
      formatMs(r.ttft.p99),
      base ? formatSignedMs(r.ttft.median - base.ttft.median) : "",
      base ? formatSignedMs(r.ttft.p99 - base.ttft.p99) : "",
      base ? formatRatio(r.ttft.median, base.ttft.median) : "",
      String(r.errors),
    ];
  });
  const firstErrors = ttft.results.filter((r) => r.firstError).map((r) => `  first error (${r.path}): ${r.firstError}`);
  return [
    `3. Time to first token: ${ttft.iterations} sequential requests per path, taking turns; local LLM server with chunkDelayMs ${ttft.chunkDelayMs}, 24-token replies.`,
    formatTable(
      [
        { header: "path" },
        { header: "n", align: "right" },
        { header: "median", align: "right" },
        { header: "p99", align: "right" },
        { header: "added med", align: "right" },
        { header: "added p99", align: "right" },
        { header: "ratio med", align: "right" },
        { header: "errors", align: "right" },
      ],
      rows,
    ),
    ...firstErrors,
    ttft.chatRoundTrips === null
      ? ""
      : `  Database round trips per POST /api/chat, all of them (the dev sign-in's session check, begin_chat, finish_chat): ${ttft.chatRoundTrips.toFixed(2)}.`,
    "",
  ].filter((line, i, all) => line !== "" || all[i - 1] !== "");
}

function httpSection(results: BenchResults): string[] {
  const http = results.http;
  if (!http) return [];
  const rows = http.runs.flatMap(({ baseline, signedOut, route }) =>
    [baseline, signedOut, route].map((r) => [
      r === baseline ? `${r.path} (bare dynamic route, baseline)` : r === signedOut ? `${r.path} signed out (401, no database)` : r.path,
      String(r.concurrency),
      String(r.latency.n),
      formatMs(r.latency.median),
      formatMs(r.latency.p99),
      r === baseline ? "" : formatRatio(r.latency.median, baseline.latency.median),
      r === baseline ? "" : formatRatio(r.latency.p99, baseline.latency.p99),
      formatRate(r.requestsPerSecond),
      String(r.errors),
    ]),
  );
  const firstErrors = http.runs
    .flatMap(({ baseline, signedOut, route }) => [baseline, signedOut, route])
    .filter((r) => r.firstError)
    .map((r) => `  first error (${r.path}, ${r.concurrency} clients): ${r.firstError}`);
  return [
    `4. GET /api/tokens/current vs a bare dynamic route (constant JSON) of the same build and server (next start, DATABASE_POOL_MAX ${http.appPoolMax}); one signed-in user per client,`,
    "   a browser's Accept-Encoding on every request; 4 interleaved rounds per row (the order reversed each round), pooled.",
    formatTable(
      [
        { header: "path" },
        { header: "clients", align: "right" },
        { header: "n", align: "right" },
        { header: "median", align: "right" },
        { header: "p99", align: "right" },
        { header: "ratio med", align: "right" },
        { header: "ratio p99", align: "right" },
        { header: "req/s", align: "right" },
        { header: "errors", align: "right" },
      ],
      rows,
    ),
    ...firstErrors,
    "",
  ];
}
