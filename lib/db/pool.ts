import "server-only";
import pg from "pg";
import { getEnv } from "@/lib/env";

/**
 * The process-wide node-postgres pool for DATABASE_URL. Kept on globalThis so `next dev`
 * hot reloads reuse it instead of leaking connections.
 */
const globalForPool = globalThis as unknown as { tokenmeterPool?: pg.Pool };

export type PoolOptions = {
  url: string;
  max: number;
  /** The server cancels a statement after this long (statement_timeout). */
  statementTimeoutMs: number;
  /**
   * The app gives up on its own after this long: a connection attempt, or a query on a connection
   * whose server has stopped answering (frozen, partitioned), where no server-side timeout can fire.
   * The client is then destroyed, never handed back to the pool.
   */
  callTimeoutMs: number;
  role?: string;
};

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.callTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.callTimeoutMs,
    application_name: "tokenmeter",
    // Every session runs as the server role, as PostgREST does with the service key.
    ...(options.role ? { options: `-c role=${options.role}` } : {}),
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on("error", (error) => console.error(`[db] idle client error: ${error.message}`));
  return pool;
}

export function getPool(): pg.Pool {
  if (!globalForPool.tokenmeterPool) {
    const env = getEnv();
    globalForPool.tokenmeterPool = createPool({
      url: env.DATABASE_URL,
      max: env.DATABASE_POOL_MAX,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      // Just above the server's own limit, which normally fires first and leaves the connection usable.
      callTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS + 500,
      role: env.DATABASE_SERVER_ROLE,
    });
  }
  return globalForPool.tokenmeterPool;
}
