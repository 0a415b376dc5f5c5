import path from "node:path";
import { makeTempDir, startLocalPostgres, type LocalPostgres } from "../db/local-postgres";
import { migrate } from "../db/migrate";
import { removeTree } from "../db/processes.mjs";
import { getFreePort } from "../free-port";

/**
 * The benchmarks' throwaway PostgreSQL: a temp data dir (`tokenmeter-bench-*`), a free port, durable
 * settings (fsync on), migrations applied. Deleted on stop. If the run dies without stopping it
 * (SIGKILL, a crash), the cluster's watchdog stops it and deletes the folder; failing that, the next
 * start of any local cluster does (scripts/db/temp-dirs.ts).
 */
export type BenchDatabase = { db: LocalPostgres; stop: () => Promise<void> };

export async function startBenchDatabase(root: string, log: (line: string) => void): Promise<BenchDatabase> {
  const dir = makeTempDir("bench");
  let db: LocalPostgres | undefined;
  const stop = async () => {
    try {
      await db?.stop();
    } finally {
      await removeTree(dir);
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
