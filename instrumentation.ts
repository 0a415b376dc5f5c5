/**
 * Runs once when a Next.js server starts: stop at once on bad configuration, with one clear line;
 * then start this instance's sweeper of holds left by dead servers (every instance runs one).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertEnv } = await import("@/lib/env");
  assertEnv();
  const [{ getStores }, { startHoldSweeper }] = await Promise.all([import("@/lib/api/stores"), import("@/lib/metering/hold-sweeper")]);
  startHoldSweeper(getStores().metering);
}
