import path from "node:path";
import type { TestProject } from "vitest/node";
import { makeTempDir, startLocalPostgres } from "../../../scripts/db/local-postgres";
import { migrate } from "../../../scripts/db/migrate";
import { getFreePort } from "../../../scripts/free-port";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One throwaway PostgreSQL per run, migrations applied; it and its `tokenmeter-it-*` folder are
 * deleted when the run ends. If the runner dies first (a crash, SIGKILL), the cluster's watchdog
 * stops it and deletes the folder.
 */
export default async function setup(project: TestProject) {
  const root = makeTempDir("it");
  const db = await startLocalPostgres({ dataDir: path.join(root, "pg"), port: await getFreePort(), ephemeral: true, fast: true });
  try {
    await migrate({ databaseUrl: db.url, supabaseDir: path.resolve("supabase") });
  } catch (error) {
    await db.stop();
    throw error;
  }
  project.provide("databaseUrl", db.url);
  return async () => {
    await db.stop();
  };
}
