import { chmodSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../../../scripts/db/local-postgres";
import { migrate } from "../../../scripts/db/migrate";
import { getFreePort } from "../../../scripts/free-port";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** One throwaway PostgreSQL per run, migrations applied; deleted when the run ends. */
export default async function setup(project: TestProject) {
  const root = mkdtempSync(path.join(os.tmpdir(), "tokenmeter-it-"));
  chmodSync(root, 0o755); // as root, PostgreSQL runs as user postgres and must traverse this folder
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
