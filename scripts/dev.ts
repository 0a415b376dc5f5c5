/**
 * The local launcher behind `npm run dev` (and `npm run start:local`, used by the e2e tests):
 * embedded PostgreSQL unless DATABASE_URL is set, migrations and seed, the local LLM server unless
 * OPENROUTER_API_KEY is set, then Next.js; `Tokenmeter is ready at http://localhost:<port>` once
 * Next.js answers. Ctrl-C (SIGINT) or SIGTERM at any moment stops all of it and exits 0; a second
 * one forces it (exit 130 or 143). What it started never outlives it, even after a SIGKILL: see
 * scripts/db/watchdog-process.mjs.
 *
 * Run it as `node --conditions=react-server --import tsx scripts/dev.ts` (package.json does): one
 * process. tsx's CLI would put a relay process in front that SIGKILLs us when we take more than
 * 30 ms to acknowledge a signal, which a busy machine easily does.
 *
 * The signal handlers are installed first; everything heavy (zod, pg, @next/env, the LLM server) is
 * imported afterwards, so that a signal during those seconds is handled too.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLifecycle, Stopping } from "./launcher/lifecycle";

const log = (line: string) => console.log(`[tokenmeter] ${line}`);
const lifecycle = createLifecycle(log);
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {}); // a closed pipe must not crash the stop

let started = false;
function fail(error: unknown): void {
  if (lifecycle.stopping || error instanceof Stopping) return; // an aborted step, a connection cut by the stop
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === "EnvError") console.error(message);
  else console.error(started ? `[tokenmeter] stopping after an error: ${error instanceof Error ? error.stack : message}` : `[tokenmeter] could not start: ${message}`);
  void lifecycle.stop(1);
}
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

log("starting (Ctrl-C stops everything)");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
try {
  const { values: args } = parseArgs({
    options: {
      start: { type: "boolean", default: false }, // `next start` on a finished build instead of `next dev`
      port: { type: "string" },
      ephemeral: { type: "boolean", default: false }, // a throwaway database, deleted on exit
    },
  });
  const { runLauncher } = await import("./launcher/run");
  await runLauncher(root, args, lifecycle, log);
  started = true;
} catch (error) {
  fail(error);
}
