import "server-only";
import { getPool } from "@/lib/db/pool";

export type DatabaseInfo = { serverVersion: string; role: string; serverTime: Date };

/** What the home page shows to prove the database is reachable. */
export async function getDatabaseInfo(): Promise<DatabaseInfo> {
  const { rows } = await getPool().query<{ server_version: string; role: string; now: Date }>(
    "select current_setting('server_version') as server_version, current_user as role, now() as now",
  );
  const row = rows[0]!;
  return { serverVersion: row.server_version, role: row.role, serverTime: row.now };
}
