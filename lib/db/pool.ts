import "server-only";
import pg from "pg";
import { getEnv } from "@/lib/env";

/**
 * The process-wide node-postgres pool for DATABASE_URL. Kept on globalThis so `next dev`
 * hot reloads reuse it instead of leaking connections.
 */
const globalForPool = globalThis as unknown as { tokenmeterPool?: pg.Pool };

export function getPool(): pg.Pool {
  if (!globalForPool.tokenmeterPool) {
    const env = getEnv();
    const pool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: env.DATABASE_POOL_MAX,
      connectionTimeoutMillis: env.DATABASE_STATEMENT_TIMEOUT_MS,
      statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS,
      application_name: "tokenmeter",
      // Every session runs as the server role, as PostgREST does with the service key.
      ...(env.DATABASE_SERVER_ROLE ? { options: `-c role=${env.DATABASE_SERVER_ROLE}` } : {}),
    });
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on("error", (error) => console.error(`[db] idle client error: ${error.message}`));
    globalForPool.tokenmeterPool = pool;
  }
  return globalForPool.tokenmeterPool;
}
