import "server-only";
import { getPool } from "@/lib/db/pool";

export type DatabaseInfo = { roundTripMs: number };

/** What the home page shows to prove the database is reachable: one round trip, timed. */
export async function getDatabaseInfo(): Promise<DatabaseInfo> {
  const started = performance.now();
  await getPool().query("select 1");
  return { roundTripMs: Math.max(1, Math.round(performance.now() - started)) };
}
