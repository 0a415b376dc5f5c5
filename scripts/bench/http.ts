import http from "node:http";
import { runLoad, type LoadBounds } from "./load";
import { summarize, type Summary } from "./stats";

/**
 * GET requests against a running server from `concurrency` clients, each with its own keep-alive
 * connection and its own headers (e.g. one signed-in user per client).
 */

export type HttpLoadResult = { path: string; status: number; concurrency: number; latency: Summary; requestsPerSecond: number; errors: number; firstError?: string };

/**
 * A route measured against a baseline of the same server at one concurrency (the bench's build
 * gives it a bare dynamic route, GET /api/bench-bare: constant JSON, through the same proxy); and
 * the same route signed out (401 before any database call), which isolates the route wrapper.
 * In ROUNDS interleaved rounds, the order reversed every round, so drift on a shared machine weighs
 * on all three alike; each path's samples and requests are pooled over its rounds.
 */
export type HttpComparison = { clients: number; baseline: HttpLoadResult; signedOut: HttpLoadResult; route: HttpLoadResult };

const ROUNDS = 4;

/** What a browser's fetch sends: Next.js then gzips an answer unless it says `no-transform`. */
const BROWSER_HEADERS = { "accept-encoding": "gzip, deflate, br" };

export async function compareHttpGet(
  options: Omit<HttpLoadOptions, "path" | "concurrency" | "expectStatus">,
  paths: { baseline: string; route: string },
  clients: number,
): Promise<HttpComparison> {
  const runs = {
    baseline: { ...options, path: paths.baseline, concurrency: clients },
    signedOut: { ...options, headersFor: () => ({}), path: paths.route, concurrency: clients, expectStatus: 401 },
    route: { ...options, path: paths.route, concurrency: clients },
  };
  const names = Object.keys(runs) as (keyof typeof runs)[];
  // Whichever path is measured first would also pay for warming up a server just started (and new
  // connections): warm all of them up first (no measuring); every round then warms up again briefly.
  for (const name of names) await loadRound({ ...runs[name], measure: { ...runs[name].measure, maxMs: 0 } });
  const rounds = new Map(names.map((name) => [name, [] as HttpLoadRound[]]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const run = runs[name];
      rounds.get(name)!.push(await loadRound({ ...run, warmupMs: run.warmupMs / ROUNDS, measure: { ...run.measure, maxMs: run.measure.maxMs / ROUNDS } }));
    }
  }
  const pooled = (name: keyof typeof runs) => poolRounds(runs[name], rounds.get(name)!);
  return { clients, baseline: pooled("baseline"), signedOut: pooled("signedOut"), route: pooled("route") };
}

export type HttpLoadOptions = {
  origin: string;
  path: string;
  /** Headers for client i (cookies); every request also carries a browser's Accept-Encoding. */
  headersFor: (client: number) => Record<string, string>;
  concurrency: number;
  /** Default 200. */
  expectStatus?: number;
  warmupMs: number;
  measure: Omit<LoadBounds, "concurrency">;
};

type HttpLoadRound = { samples: number[]; ops: number; elapsedMs: number; errors: number; firstError?: string };

function poolRounds(options: HttpLoadOptions, rounds: HttpLoadRound[]): HttpLoadResult {
  const ops = rounds.reduce((sum, round) => sum + round.ops, 0);
  const elapsedMs = rounds.reduce((sum, round) => sum + round.elapsedMs, 0);
  const firstError = rounds.find((round) => round.firstError)?.firstError;
  return {
    path: options.path,
    status: options.expectStatus ?? 200,
    concurrency: options.concurrency,
    latency: summarize(rounds.flatMap((round) => round.samples)),
    requestsPerSecond: elapsedMs > 0 ? (ops / elapsedMs) * 1000 : 0,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    ...(firstError ? { firstError } : {}),
  };
}

async function loadRound(options: HttpLoadOptions): Promise<HttpLoadRound> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.path, options.origin);
  const samples: number[] = [];
  const once = async (client: number, record: boolean) => {
    const startedAt = performance.now();
    const status = await get(agent, url, { ...BROWSER_HEADERS, ...options.headersFor(client) });
    if (status !== (options.expectStatus ?? 200)) throw new Error(`GET ${options.path} answered ${status}`);
    if (record) samples.push(performance.now() - startedAt);
  };
  try {
    const concurrency = options.concurrency;
    await runLoad({ concurrency, maxOps: options.measure.maxOps, maxMs: options.warmupMs }, (client) => once(client, false));
    const run = await runLoad({ concurrency, ...options.measure }, (client) => once(client, true));
    return { samples, ops: run.ops, elapsedMs: run.elapsedMs, errors: run.errors, ...(run.firstError ? { firstError: run.firstError } : {}) };
  } finally {
    agent.destroy();
  }
}

function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers, timeout: 10_000 }, (response) => {
      response.on("data", () => {});
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${url.pathname} timed out`)));
    request.on("error", reject);
  });
}
