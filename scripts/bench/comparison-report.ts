import type { ComparisonResult } from "./comparison";
import { formatMs, formatRate, formatRatio, formatTable } from "./table";

/** The printed section 1: per scenario, baseline and product side by side, and product/baseline ratios. */
export function comparisonSection(result: ComparisonResult | null): string[] {
  if (!result) return [];
  const { seeded } = result;
  const shape = (s: SeedCounts) =>
    `${s.accounts.toLocaleString("en-US")} accounts, ${s.holds.toLocaleString("en-US")} holds, ${s.usagePeriods.toLocaleString("en-US")} usage periods, ${s.ledger.toLocaleString("en-US")} ledger rows`;
  const rows = result.rows.map((r) => [
    r.scenario,
    String(r.users),
    formatRate(r.baseline.pairsPerSecond),
    formatRate(r.product.pairsPerSecond),
    formatRatio(r.product.pairsPerSecond, r.baseline.pairsPerSecond),
    formatMs(r.baseline.reserve.median),
    formatMs(r.baseline.reserve.p99),
    formatMs(r.product.reserve.median),
    formatMs(r.product.reserve.p99),
    formatRatio(r.product.reserve.median, r.baseline.reserve.median),
    formatRatio(r.product.reserve.p99, r.baseline.reserve.p99),
    `${r.baseline.errors}/${r.product.errors}`,
  ]);
  const firstErrors = result.rows.flatMap((r) =>
    (["baseline", "product"] as const).filter((s) => r[s].firstError).map((s) => `  first error (${s}, ${r.scenario}): ${r[s].firstError}`),
  );
  return [
    `1. Metering against a minimal SQL baseline (scripts/bench/baseline-sql.ts, schema bench_baseline), durable, pool max ${result.poolMax}:`,
    `   ${result.rounds} interleaved rounds of ${formatMs(result.measureMs / 1000)} s per scenario and implementation (order swapped each round);`,
    "   pairs/s: median over rounds; reserve latency: all rounds pooled, including waiting for a pooled connection.",
    `   Seeded (${(result.seedMs / 1000).toFixed(1)} s, then VACUUM ANALYZE): product ${shape(seeded.product)}; baseline ${shape(seeded.baseline)}.`,
    formatTable(
      [
        { header: "scenario" },
        { header: "users", align: "right" },
        { header: "base pairs/s", align: "right" },
        { header: "product", align: "right" },
        { header: "ratio", align: "right" },
        { header: "base reserve med", align: "right" },
        { header: "p99", align: "right" },
        { header: "product med", align: "right" },
        { header: "p99", align: "right" },
        { header: "ratio med", align: "right" },
        { header: "ratio p99", align: "right" },
        { header: "errors b/p", align: "right" },
      ],
      rows,
    ),
    ...firstErrors,
    "",
  ];
}

type SeedCounts = ComparisonResult["seeded"]["product"];
