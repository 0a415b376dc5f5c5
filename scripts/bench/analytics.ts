import pg from "pg";
import { seedLedger } from "./seed-ledger";
import { summarize, type Summary } from "./stats";
import { formatMs, formatTable } from "./table";
import type { TargetCheck } from "./results";

/**
 * 6. Admin analytics at scale: the bench database's seeded usage_ledger rows are topped up to `rows`
 * across `users` users over `days` days (seed-ledger.ts: a few heavy users, many light ones; the
 * daily rollups follow through their trigger; section 1 seeded the first of them), VACUUM ANALYZE (a live database's steady state), then each view of admin_analytics is timed as the server calls
 * it (service_role, one RPC) for the last 30 days. The baseline, in the same run: the same numbers
 * computed straight from usage_ledger (what the views would cost without the rollup). The plans'
 * scans (index or sequential) are read from auto_explain for one call of each view.
 */
export type AnalyticsBounds = { rows: number; users: number; days: number; iterations: number; baselineIterations: number };

export type AnalyticsViewResult = {
  view: string;
  rows: number;
  latency: Summary;
  baseline: Summary;
  /** The plan's scan nodes, e.g. "Index Scan using usage_daily_users_pkey on usage_daily_users". */
  scans: string[];
};

export type AnalyticsBenchResult = {
  ledgerRows: number;
  rollupRows: number;
  users: number;
  days: number;
  seedMs: number;
  views: AnalyticsViewResult[];
};

const ADMIN = "bench_analytics_admin";
const RANGE_DAYS = 30;

/** The same numbers each view answers, read straight from usage_ledger (the baseline). */
const LEDGER_QUERIES: Record<string, string> = {
  // $1 = from, $2 = to (UTC dates).
  daily: `select (created_at at time zone 'UTC')::date as day, count(*), sum(input_tokens), sum(output_tokens), sum(total_tokens), coalesce(sum(cost_usd), 0)
          from public.usage_ledger where created_at >= $1::date and created_at < $2::date + 1 group by 1 order by 1`,
  models: `select model, count(*), sum(input_tokens), sum(output_tokens), sum(total_tokens), coalesce(sum(cost_usd), 0)
           from public.usage_ledger where created_at >= $1::date and created_at < $2::date + 1 group by 1 order by 5 desc`,
  users: `select user_id, count(*), sum(input_tokens), sum(output_tokens), sum(total_tokens), coalesce(sum(cost_usd), 0)
          from public.usage_ledger where created_at >= $1::date and created_at < $2::date + 1 group by 1 order by 5 desc limit 50`,
  spikes: `with today as (select user_id, sum(cost_usd) as cost from public.usage_ledger where created_at >= $2::date and created_at < $2::date + 1 and $1::date is not null group by 1),
           history as (select user_id, sum(cost_usd) / 30 as average from public.usage_ledger where created_at >= $2::date - 30 and created_at < $2::date group by 1)
           select t.user_id, t.cost, h.average from today t left join history h using (user_id) where t.cost > 2 * coalesce(h.average, 0) order by t.cost desc limit 50`,
};

export async function benchAnalytics(superuserUrl: string, service: pg.Pool, bounds: AnalyticsBounds, log: (line: string) => void): Promise<AnalyticsBenchResult> {
  const owner = new pg.Pool({ connectionString: superuserUrl, max: 1, application_name: "tokenmeter-bench-analytics" });
  try {
    const t0 = performance.now();
    await seed(owner, bounds, log);
    const seedMs = performance.now() - t0;
    const count = async (table: string) => Number((await owner.query(`select count(*) from public.${table}`)).rows[0].count);
    const [ledgerRows, rollupRows] = [await count("usage_ledger"), (await count("usage_daily_users")) + (await count("usage_daily_models"))];
    log(`  ${ledgerRows.toLocaleString("en-US")} ledger rows, ${rollupRows.toLocaleString("en-US")} rollup rows (seeded and analyzed in ${(seedMs / 1000).toFixed(1)} s)`);

    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - (RANGE_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const views: AnalyticsViewResult[] = [];
    for (const view of Object.keys(LEDGER_QUERIES)) {
      const call = () =>
        service.query("select public.admin_analytics($1, $2, $3::date, $4::date, 50) as result", [ADMIN, view, from, to]).then((r) => r.rows[0].result as { rows: unknown[] });
      const sample = await call(); // warm-up, and the row count
      await call();
      const latency = await timeIt(call, bounds.iterations);
      const baseline = await timeIt(() => owner.query(LEDGER_QUERIES[view]!, [from, to]), bounds.baselineIterations);
      const scans = await planScans(owner, view, from, to);
      log(`  ${view}: median ${formatMs(latency.median)} ms (ledger scan ${formatMs(baseline.median)} ms); ${scans.join("; ")}`);
      views.push({ view, rows: sample.rows.length, latency, baseline, scans });
    }
    return { ledgerRows, rollupRows, users: bounds.users, days: bounds.days, seedMs, views };
  } finally {
    await owner.end();
  }
}

/** The ledger (topped up to `rows`: section 2 may have seeded part of it), then VACUUM ANALYZE. */
async function seed(owner: pg.Pool, bounds: AnalyticsBounds, log: (line: string) => void): Promise<void> {
  await owner.query("select public.bootstrap_admins(array[$1])", [ADMIN]);
  await seedLedger(owner, bounds, log);
  // The steady state a live database is in (autovacuum's work): the chunks' upserts left a dead row
  // version behind every rollup row they updated; without this the figures depend on whether
  // autovacuum happened to get there first.
  for (const table of ["usage_ledger", "usage_daily_users", "usage_daily_models", "accounts"]) await owner.query(`vacuum analyze public.${table}`);
}

async function timeIt(run: () => Promise<unknown>, iterations: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/** The scan nodes of the statements inside one admin_analytics call, from auto_explain (sent back as notices). */
async function planScans(owner: pg.Pool, view: string, from: string, to: string): Promise<string[]> {
  const client = await owner.connect();
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => {
    if (notice.message?.includes("Query Text")) plans.push(notice.message);
  };
  client.on("notice", onNotice);
  try {
    await client.query("load 'auto_explain'");
    await client.query(
      "set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on; set auto_explain.log_level = notice; set client_min_messages = notice",
    );
    await client.query("select public.admin_analytics($1, $2, $3::date, $4::date, 50)", [ADMIN, view, from, to]);
    await client.query("reset auto_explain.log_min_duration; reset client_min_messages");
  } finally {
    client.off("notice", onNotice);
    client.release(true); // auto_explain stays loaded in that session: do not hand it back to the pool
  }
  const scans = new Set<string>();
  for (const plan of plans) {
    for (const match of plan.matchAll(/(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\S+))? on (\S+)/g)) {
      if (match[3]?.startsWith("usage_") || match[2]?.startsWith("usage_")) scans.add(match[2] ? `${match[1]} using ${match[2]}` : `${match[1]} on ${match[3]}`);
    }
    for (const match of plan.matchAll(/Bitmap Index Scan on (\S+)/g)) scans.add(`Bitmap Index Scan on ${match[1]}`);
  }
  return scans.size > 0 ? [...scans] : ["(no plan captured)"];
}

export function analyticsSection(result: AnalyticsBenchResult | null): string[] {
  if (!result) return [];
  return [
    `6. Admin analytics: admin_analytics over the last ${RANGE_DAYS} days, as the server calls it; ${result.ledgerRows.toLocaleString("en-US")} ledger rows across ${result.users.toLocaleString("en-US")} users over ${result.days} days (${result.rollupRows.toLocaleString("en-US")} rollup rows). Baseline: the same sums straight from usage_ledger.`,
    formatTable(
      [
        { header: "view" },
        { header: "rows", align: "right" },
        { header: "median", align: "right" },
        { header: "p99", align: "right" },
        { header: "ledger scan", align: "right" },
        { header: "speed-up", align: "right" },
        { header: "scans" },
      ],
      result.views.map((v) => [
        v.view,
        String(v.rows),
        formatMs(v.latency.median),
        formatMs(v.latency.p99),
        formatMs(v.baseline.median),
        `${(v.baseline.median / v.latency.median).toFixed(1)}x`,
        v.scans.join("; "),
      ]),
    ),
    "",
  ];
}

export function analyticsTargets(result: AnalyticsBenchResult | null): TargetCheck[] {
  const label = "admin analytics, each view median < 200 ms on 1M ledger rows / 10k users";
  if (!result) return [{ target: label, measured: "-", verdict: "SKIP" }];
  const worst = result.views.reduce((a, b) => (b.latency.median > a.latency.median ? b : a));
  const full = result.ledgerRows >= 1_000_000 && result.users >= 10_000;
  return [
    {
      target: label,
      measured: `${worst.view} ${formatMs(worst.latency.median)} ms${full ? "" : ` (only ${result.ledgerRows.toLocaleString("en-US")} rows)`}`,
      verdict: !full ? "SKIP" : worst.latency.median < 200 ? "PASS" : "FAIL",
    },
  ];
}
