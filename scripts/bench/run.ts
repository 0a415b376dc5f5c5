import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createMeteringStore } from "@/lib/metering/store";
import { createPgRpcClient } from "@/lib/db/pg-rpc";
import { startLlmServer } from "../llm/server";
import { hasBuild, sourcesNewerThanBuild, startBuiltApp, type AppServer } from "./app-server";
import { BARE_ROUTE_PATH, ensureBenchBuild } from "./bench-build";
import { benchCheckpoints, type CheckpointResult } from "./checkpoints";
import { createCleanup } from "./cleanup";
import { benchComparison, type ComparisonResult } from "./comparison";
import { startBenchDatabase } from "./database";
import { setDurability, showSetting, type Durability } from "./durability";
import { getFreePort } from "../free-port";
import { compareHttpGet, type HttpComparison } from "./http";
import { loadInProcessApp } from "./in-process-app";
import { machineInfo, sampleCpuBusy } from "./machine";
import { benchMeteringScenario, countMeteringRoundTrips, prepareUsers, SCENARIOS, type MeteringContext, type MeteringResult } from "./metering";
import { formatReport } from "./report";
import { writeResults, type BenchResults } from "./results";
import { createServerPool } from "./server-pool";
import { benchSessionCookies } from "./sessions";
import { checkTargets } from "./targets";
import { benchTtft, chatRouteProbe, directProbe, type BenchUser, type TtftProbe } from "./ttft";
import { benchBrowserBudgets, browserSkipReason, type BrowserBudgets } from "./ui-budgets";
import { benchAnalytics, type AnalyticsBenchResult } from "./analytics";

/**
 * `npm run bench`: metering against a minimal SQL baseline and against `select 1`, on a throwaway
 * PostgreSQL; time to first token through POST /api/chat against the LLM server called directly;
 * GET /api/tokens/current under load against a bare dynamic route of the same build (the bench's
 * own build, bench-build.ts); browser budgets in headless Chromium (first-load JS, paint after a
 * streamed reply, polling); admin analytics on a seeded ledger. Loopback only, every loop bounded
 * by count and time; prints a table and writes bench-results/latest.json. Exits 0 when a target is
 * missed (the table says FAIL), 1 only when the benchmarks could not run. `--quick`: short bounds,
 * for trying changes out (the browser budgets keep theirs, about 2 minutes); `--skip-browser`:
 * without the browser budgets; `--skip-analytics`: without section 6; `--metering-only`: sections
 * 1-2 alone; `--http-only`: sections 3-4 alone (the request path); `--analytics-only`: section 6
 * alone (admin analytics on a seeded million-row ledger).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "skip-browser": { type: "boolean", default: false },
    "analytics-only": { type: "boolean", default: false },
    "metering-only": { type: "boolean", default: false },
    "skip-analytics": { type: "boolean", default: false },
    "http-only": { type: "boolean", default: false },
  },
});
const log = (line: string) => console.log(`[bench] ${line}`);

const BOUNDS = args.quick
  ? {
      seed: { accounts: 5_000, holds: 3_000, ledgerRows: 50_000, days: 90 },
      comparison: { rounds: 3, warmupMs: 200, measureMs: 600, maxOps: 100_000 },
      metering: { measureMs: 600, baselineMs: 300, warmupMs: 200, maxOps: 100_000 },
      ttft: { iterations: 30, warmup: 5, maxMs: 30_000 },
      http: { warmupMs: 300, measure: { maxOps: 200_000, maxMs: 1000 } },
      analytics: { rows: 200_000, users: 2_000, days: 90, iterations: 10, baselineIterations: 2 },
    }
  : {
      seed: { accounts: 5_000, holds: 3_000, ledgerRows: 300_000, days: 90 },
      comparison: { rounds: 5, warmupMs: 500, measureMs: 2000, maxOps: 100_000 },
      metering: { measureMs: 2500, baselineMs: 1200, warmupMs: 800, maxOps: 100_000 },
      ttft: { iterations: 200, warmup: 20, maxMs: 60_000 },
      http: { warmupMs: 1000, measure: { maxOps: 200_000, maxMs: 3000 } },
      analytics: { rows: 1_000_000, users: 10_000, days: 90, iterations: 30, baselineIterations: 3 },
    };
const POOL_MAX = 20;
const APP_POOL_MAX = 10; // DATABASE_POOL_MAX's default: what the app ships with
const CHUNK_DELAY_MS = 0;
const SESSION_SECRET = "bench-session-secret-0123456789abcdef0123456789";
const HTTP_CLIENTS = [1, 10, 50];
const CHAT_USERS = 20;

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadAvgStart = os.loadavg()[0]!;
  const cpuBusyBefore = await sampleCpuBusy();
  const t0 = performance.now();
  const cleanup = createCleanup(log);
  const onSignal = () => {
    log("interrupted: stopping what this run started");
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const skipped: string[] = [];
  const notes: string[] = [];

  try {
    log("starting a throwaway PostgreSQL (fsync on) and applying migrations");
    const database = await startBenchDatabase(root, log);
    cleanup.add("stop PostgreSQL", database.stop);
    const dbUrl = database.db.url;
    const { pool, wire } = createServerPool(dbUrl, POOL_MAX);
    cleanup.add("close the bench pool", () => pool.end());
    const ctx: MeteringContext = { pool, wire, store: createMeteringStore(createPgRpcClient(pool)) };

    const analyticsOnly = args["analytics-only"];
    const meteringOnly = args["metering-only"] && !analyticsOnly;
    const httpOnly = args["http-only"] && !analyticsOnly && !meteringOnly;
    if (analyticsOnly) skipped.push("1-5: --analytics-only");
    if (meteringOnly) skipped.push("3-6: --metering-only");
    if (httpOnly) skipped.push("1-2, 5-6: --http-only");
    else if (args["skip-analytics"] && !analyticsOnly) skipped.push("6. Admin analytics: --skip-analytics");
    let comparison: ComparisonResult | null = null;
    let roundTrips: Awaited<ReturnType<typeof countMeteringRoundTrips>> | null = null;
    const meteringResults: MeteringResult[] = [];
    let checkpoints: CheckpointResult[] = [];
    let ttftResults: Awaited<ReturnType<typeof benchTtft>> = [];
    const chatTrips = { total: 0, calls: 0 };
    const httpRuns: HttpComparison[] = [];
    let app: AppServer | null = null;
    let browser: BrowserBudgets | null = null;
    if (!analyticsOnly && !httpOnly) {
      // 1. Metering against the minimal baseline (durable, interleaved rounds) on a seeded database.
      await setDurability(dbUrl, "durable");
      comparison = await benchComparison({ ...ctx, poolMax: POOL_MAX }, dbUrl, BOUNDS.seed, BOUNDS.comparison, log);

      // 2. Metering overhead and throughput against select 1, durable then fast, back to durable for the app.
      roundTrips = await countMeteringRoundTrips(ctx);
      for (const durability of ["durable", "fast"] as Durability[]) {
        await setDurability(dbUrl, durability);
        log(`metering, ${durability} (synchronous_commit ${await showSetting(pool, "synchronous_commit")}, fsync ${await showSetting(pool, "fsync")})`);
        for (const scenario of SCENARIOS) {
          const result = await benchMeteringScenario(ctx, scenario, durability, BOUNDS.metering);
          log(`  ${scenario.name}: reserve median ${result.reserve.median.toFixed(2)} ms, ${Math.round(result.pairsPerSecond)} pairs/s`);
          meteringResults.push(result);
        }
      }
      await setDurability(dbUrl, "durable");
      checkpoints = await benchCheckpoints(ctx, BOUNDS.metering);
      log(`  checkpoints: ${checkpoints.map((c) => `${Math.round(c.perSecond)}/s at ${c.concurrency}`).join(", ")}`);
    }
    if (!analyticsOnly && !meteringOnly) {
      // The app: in-process handlers, and the bench's build (the product plus a bare route) over HTTP.
      const llm = await startLlmServer({ chunkDelayMs: CHUNK_DELAY_MS });
      cleanup.add("close the LLM server", () => llm.close());
      const appEnv = {
        DATABASE_URL: dbUrl,
        DATABASE_POOL_MAX: String(APP_POOL_MAX),
        OPENROUTER_BASE_URL: llm.url,
        OPENROUTER_API_KEY: "",
        SESSION_SECRET,
        AUTH_MODE: "dev",
        RATE_LIMIT_PER_MINUTE: "10000",
      };
      const inProcessApp = await loadInProcessApp(appEnv);
      cleanup.add("close the in-process app's pool", inProcessApp.close);
      app = await startAppOrSkip(appEnv, skipped, notes);
      if (app) cleanup.add("stop the built app", app.stop);

      // 3. Time to first token.
      const chatCookies = await benchSessionCookies(ctx.pool, await benchUsers(ctx, CHAT_USERS), SESSION_SECRET);
      const inProcess = chatRouteProbe(inProcessApp.postChat, chatCookies, "http://localhost:3000");
      const probes: Record<string, TtftProbe> = {
        direct: directProbe(llm.url),
        "in-process": async (i) => {
          const before = inProcessApp.wire.roundTrips;
          const ms = await inProcess(i);
          chatTrips.total += inProcessApp.wire.roundTrips - before;
          chatTrips.calls += 1;
          return ms;
        },
      };
      if (app) probes.http = chatRouteProbe((request) => fetch(request), chatCookies, app.url);
      log(`time to first token: ${BOUNDS.ttft.iterations} requests per path (${Object.keys(probes).join(", ")})`);
      ttftResults = await benchTtft(probes, BOUNDS.ttft);

      // 4. GET /api/tokens/current against a bare dynamic route of the same build, over HTTP.
      if (app) {
        const cookies = (await benchSessionCookies(ctx.pool, await benchUsers(ctx, Math.max(...HTTP_CLIENTS)), SESSION_SECRET)).map((cookie) => ({ cookie }));
        const paths = { baseline: BARE_ROUTE_PATH, route: "/api/tokens/current" };
        for (const clients of HTTP_CLIENTS) {
          log(`GET /api/tokens/current and ${BARE_ROUTE_PATH}, ${clients} client(s)`);
          httpRuns.push(await compareHttpGet({ origin: app.url, headersFor: (i) => cookies[i % cookies.length]!, ...BOUNDS.http }, paths, clients));
        }
        await app.stop(); // done with it; section 5 starts its own
      }

      // 5. Browser budgets: headless Chromium against a second built app whose LLM server paces the stream.
      const browserSkip = browserSkipReason({ skipBrowser: args["skip-browser"] || httpOnly, hasBuild: hasBuild(root) });
      if (browserSkip) {
        if (!httpOnly) skipped.push(browserSkip);
      } else {
        noteStaleBuild(notes);
        log("browser budgets in headless Chromium (about 2 minutes; --skip-browser leaves them out)");
        try {
          browser = await benchBrowserBudgets({ root, appEnv, log, onCleanup: cleanup.add });
        } catch (error) {
          skipped.push(`5. Browser budgets: could not run: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }

    // 6. Admin analytics on a million-row ledger (last: the rows it seeds would weigh on the others).
    let analytics: AnalyticsBenchResult | null = null;
    if (!meteringOnly && !httpOnly && !(args["skip-analytics"] && !analyticsOnly)) {
      log(`admin analytics: topping the ledger up to ${BOUNDS.analytics.rows.toLocaleString("en-US")} seeded rows across ${BOUNDS.analytics.users.toLocaleString("en-US")} users`);
      analytics = await benchAnalytics(dbUrl, pool, BOUNDS.analytics, log);
    }

    const partial: Omit<BenchResults, "targets"> = {
      startedAt: startedAt.toISOString(),
      durationMs: 0,
      machine: machineInfo(),
      load: { cpuBusyBefore, cpuBusyAfter: null, loadAvgStart, loadAvgEnd: os.loadavg()[0]! },
      comparison,
      metering: { poolMax: POOL_MAX, results: meteringResults, roundTrips, checkpoints },
      ttft:
        ttftResults.length > 0
          ? {
              iterations: BOUNDS.ttft.iterations,
              chunkDelayMs: CHUNK_DELAY_MS,
              results: ttftResults,
              chatRoundTrips: chatTrips.calls > 0 ? chatTrips.total / chatTrips.calls : null,
            }
          : null,
      http: app ? { appPoolMax: APP_POOL_MAX, runs: httpRuns } : null,
      browser,
      analytics,
      skipped,
      notes,
    };
    await cleanup.run();
    const durationMs = performance.now() - t0;
    const load = { ...partial.load, cpuBusyAfter: await sampleCpuBusy() };
    const results: BenchResults = { ...partial, durationMs, load, targets: checkTargets(partial) };
    const file = path.join(root, "bench-results", "latest.json");
    await writeResults(file, results);
    console.log(`\n${formatReport(results)}\nWrote ${path.relative(root, file)}.`);
    return 0;
  } finally {
    await cleanup.run();
  }
}

async function startAppOrSkip(env: Record<string, string>, skipped: string[], notes: string[]): Promise<AppServer | null> {
  let dir: string;
  try {
    const build = await ensureBenchBuild(root, log);
    dir = build.dir;
    notes.push(
      `over HTTP (3, 4): the bench's build in ${path.relative(root, build.dir)}/ (the product plus ${BARE_ROUTE_PATH}), ${build.reused ? "reused (sources unchanged)" : `built now in ${(build.buildMs / 1000).toFixed(0)} s`}.`,
    );
  } catch (error) {
    skipped.push(`over HTTP (TTFT through next start; GET /api/tokens/current): ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
  const port = await getFreePort();
  log(`starting the bench's build (next start) on port ${port}`);
  try {
    return await startBuiltApp({ root: dir, port, env: { ...env, APP_URL: `http://127.0.0.1:${port}`, PORT: String(port) } });
  } catch (error) {
    skipped.push(`over HTTP: the built app did not start: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** Section 5 measures the build in .next (`npm run build`): say so when sources changed after it. */
function noteStaleBuild(notes: string[]): void {
  const newer = sourcesNewerThanBuild(root);
  if (newer.length === 0) return;
  const named = `${newer.slice(0, 3).join(", ")}${newer.length > 3 ? ` and ${newer.length - 3} more` : ""}`;
  notes.push(`${named} written after the build in .next: if they changed, the browser budgets measure the older build (\`npm run build\`).`);
}

async function benchUsers(ctx: MeteringContext, count: number): Promise<BenchUser[]> {
  return (await prepareUsers(ctx.store, count)).map((id) => ({ id, name: "Bench" }));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[bench] could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
