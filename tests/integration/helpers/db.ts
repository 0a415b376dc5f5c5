import pg from "pg";
import { inject } from "vitest";

/** A pool on the run's throwaway database, connected as the superuser (the server's own role). */
export function createTestPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: inject("databaseUrl"), max });
}

/**
 * Runs `fn` as PostgREST would for a request: in a transaction, as `role`, with the given JWT claims
 * in `request.jwt.claims`. Rolled back afterwards, so nothing it does persists.
 */
export async function asRole<T>(
  pool: pg.Pool,
  role: "anon" | "authenticated" | "service_role",
  claims: Record<string, unknown> | null,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config('request.jwt.claims', $1, true)", [claims ? JSON.stringify(claims) : ""]);
    await client.query(`set local role ${role}`);
    return await fn(client);
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}
