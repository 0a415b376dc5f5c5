import pg from "pg";

/** Database round trips on the wire: one ReadyForQuery message ends each one. */
export type WireCounter = { roundTrips: number };

/** A pool like lib/db/pool.ts builds (every session runs as service_role) that counts its round trips. */
export function createServerPool(url: string, max: number): { pool: pg.Pool; wire: WireCounter } {
  const pool = new pg.Pool({ connectionString: url, options: "-c role=service_role", max, application_name: "tokenmeter-bench" });
  let reported = false; // once is enough: when the server goes away, every idle client reports it
  pool.on("error", (error) => {
    if (!reported) console.error(`[bench] idle client error: ${error.message}`);
    reported = true;
  });
  return { pool, wire: countRoundTrips(pool) };
}

/** Counts ReadyForQuery messages on every connection the pool opens from now on (the startup one is already past). */
export function countRoundTrips(pool: pg.Pool): WireCounter {
  const wire: WireCounter = { roundTrips: 0 };
  pool.on("connect", (client) => {
    (client as unknown as { connection: { on: (event: string, listener: () => void) => void } }).connection.on("readyForQuery", () => {
      wire.roundTrips += 1;
    });
  });
  return wire;
}
