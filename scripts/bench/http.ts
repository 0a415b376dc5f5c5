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
 */
export type HttpComparison = { clients: number; baseline: HttpLoadResult; signedOut: HttpLoadResult; route: HttpLoadResult };

export async function compareHttpGet(
  options: Omit<HttpLoadOptions, "path" | "concurrency" | "expectStatus">,
  paths: { baseline: string; route: string },
  clients: number,
): Promise<HttpComparison> {
  const baselineRun = { ...options, path: paths.baseline, concurrency: clients };
  const signedOutRun = { ...options, headersFor: () => ({}), path: paths.route, concurrency: clients, expectStatus: 401 };
  const routeRun = { ...options, path: paths.route, concurrency: clients };
  // Whichever path is measured first would also pay for warming up a server just started (and new
  // connections): warm all of them up first (no measuring), then measure each after its own warm-up.
  for (const run of [baselineRun, signedOutRun, routeRun]) await benchHttpGet({ ...run, measure: { ...run.measure, maxMs: 0 } });
  const baseline = await benchHttpGet(baselineRun);
  const signedOut = await benchHttpGet(signedOutRun);
  const route = await benchHttpGet(routeRun);
  return { clients, baseline, signedOut, route };
}

export type HttpLoadOptions = {
  origin: string;
  path: string;
  /** Headers for client i (cookies). */
  headersFor: (client: number) => Record<string, string>;
  concurrency: number;
  /** Default 200. */
  expectStatus?: number;
  warmupMs: number;
  measure: Omit<LoadBounds, "concurrency">;
};

export async function benchHttpGet(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.path, options.origin);
  const samples: number[] = [];
  const once = async (client: number, record: boolean) => {
    const startedAt = performance.now();
    const status = await get(agent, url, options.headersFor(client));
    if (status !== (options.expectStatus ?? 200)) throw new Error(`GET ${options.path} answered ${status}`);
    if (record) samples.push(performance.now() - startedAt);
  };
  try {
    const concurrency = options.concurrency;
    await runLoad({ concurrency, maxOps: options.measure.maxOps, maxMs: options.warmupMs }, (client) => once(client, false));
    const run = await runLoad({ concurrency, ...options.measure }, (client) => once(client, true));
    return {
      path: options.path,
      status: options.expectStatus ?? 200,
      concurrency,
      latency: summarize(samples),
      requestsPerSecond: run.elapsedMs > 0 ? (run.ops / run.elapsedMs) * 1000 : 0,
      errors: run.errors,
      ...(run.firstError ? { firstError: run.firstError } : {}),
    };
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
