import { countRoundTrips, type WireCounter } from "./server-pool";

/**
 * The app's route handlers in this process, configured through the environment as `next start`
 * would be (lib/env.ts reads it on first use, so this must run before any handler is called).
 * Counts the round trips of the app's own pool.
 */
export type InProcessApp = {
  postChat: (request: Request) => Promise<Response>;
  wire: WireCounter;
  close: () => Promise<void>;
};

export async function loadInProcessApp(env: Record<string, string>): Promise<InProcessApp> {
  Object.assign(process.env, env);
  const { POST } = await import("../../app/api/chat/route");
  const { getPool } = await import("../../lib/db/pool");
  const pool = getPool();
  return { postChat: POST, wire: countRoundTrips(pool), close: () => pool.end() };
}
