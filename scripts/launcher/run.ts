import net from "node:net";
import path from "node:path";
import nextEnv from "@next/env";
import { parseEnv, parseLauncherEnv } from "../../lib/env";
import { makeTempDir, startLocalPostgres } from "../db/local-postgres";
import { migrate } from "../db/migrate";
import { removeTree } from "../db/processes.mjs";
import { startLlmServer } from "../llm/server";
import { abortable, type Lifecycle } from "./lifecycle";
import { spawnNext } from "./next-server";

/**
 * What `npm run dev` starts, in order: embedded PostgreSQL unless DATABASE_URL is set, migrations
 * and seed, the local LLM server unless OPENROUTER_API_KEY is set, then Next.js. Each step is
 * registered with the lifecycle, so a signal at any moment stops exactly what exists.
 * Lines before the ready line name ports, never URLs: the first URL printed is the app's.
 */

export type LauncherArgs = { start: boolean; port?: string; ephemeral: boolean };

export async function runLauncher(root: string, args: LauncherArgs, lifecycle: Lifecycle, log: (line: string) => void): Promise<void> {
  nextEnv.loadEnvConfig(root, !args.start, { info: () => {}, error: console.error });
  const childEnv: Record<string, string | undefined> = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  const local = parseLauncherEnv(childEnv);
  const appPort = Number(args.port ?? childEnv.PORT ?? "3000");
  if (!Number.isInteger(appPort) || appPort < 1 || appPort > 65535) throw new Error(`--port/PORT must be a port number, not ${args.port ?? childEnv.PORT}`);
  const ports: string[] = [];

  if (!local.DATABASE_URL) {
    log(`starting PostgreSQL on port ${local.LOCAL_DB_PORT}`);
    const db = await lifecycle.step(
      async (signal) => {
        const tempDir = args.ephemeral ? makeTempDir("db") : undefined;
        const dataDir = tempDir ? path.join(tempDir, "pg") : path.join(root, ".data", "postgres");
        try {
          return await startLocalPostgres({ dataDir, port: local.LOCAL_DB_PORT, ephemeral: args.ephemeral, fast: args.ephemeral, log, signal });
        } catch (error) {
          if (tempDir) await removeTree(tempDir);
          throw error;
        }
      },
      async (db) => {
        await db.stop();
        log("PostgreSQL stopped");
      },
    );
    lifecycle.onForce(() => db.kill());
    childEnv.DATABASE_URL = db.url;
    log(`PostgreSQL is up on port ${db.port} (data in ${db.dataDir}${args.ephemeral ? ", deleted on exit" : ""})`);
    ports.push(`PostgreSQL on port ${db.port}`);
  }
  const result = await lifecycle.step((signal) =>
    abortable(migrate({ databaseUrl: childEnv.DATABASE_URL!, supabaseDir: path.join(root, "supabase"), seed: !local.DATABASE_URL, log }), signal),
  );
  log(`database ready: ${result.applied.length} migration(s) applied now${result.seeded ? ", seed applied" : ""}`);

  if (!local.OPENROUTER_API_KEY && !local.OPENROUTER_BASE_URL) {
    const llm = await lifecycle.step(
      () => startLlmServer({ port: local.LOCAL_LLM_PORT, log }),
      (llm) => llm.close(),
    );
    childEnv.OPENROUTER_BASE_URL = llm.url;
    log(`no OPENROUTER_API_KEY: local LLM server on port ${llm.port}`);
    ports.push(`local LLM server on port ${llm.port}`);
  }

  parseEnv(childEnv); // the app's own check, before Next starts: one line naming a bad variable
  await assertPortFree(appPort);
  const mode = args.start ? "start" : "dev";
  log(`starting Next.js (next ${mode}) on port ${appPort}`);
  const next = await lifecycle.step(
    async () => spawnNext({ root, mode, port: appPort, env: childEnv as NodeJS.ProcessEnv }),
    (next) => next.stop(),
  );
  lifecycle.onForce(() => next.kill());
  next.onExit((code, signal) => {
    log(`Next.js exited (${signal ?? `code ${code}`}); stopping`);
    void lifecycle.stop(code || 1);
  });
  await lifecycle.step((signal) => next.waitReady(signal));
  console.log(`\nTokenmeter is ready at http://localhost:${appPort}${ports.length ? `  (${ports.join(", ")})` : ""}\n`);
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === "EADDRINUSE" ? `Port ${port} is already in use; pass --port or set PORT to a free port.` : `Cannot listen on port ${port}: ${error.message}`)),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}
