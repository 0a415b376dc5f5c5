/**
 * Runs once when a Next.js server starts: stop at once on bad configuration, with one clear line;
 * then start this instance's background work (every instance runs both): the sweeper of holds left
 * by dead servers, and the replay of settlements the database could not take (the spool), which
 * also delivers at once what a previous run of this server kept.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertEnv } = await import("@/lib/env");
  assertEnv();
  const [{ getStores }, { startHoldSweeper }, { startSettlementReplayer }, { getSettlementSpool }] = await Promise.all([
    import("@/lib/api/stores"),
    import("@/lib/metering/hold-sweeper"),
    import("@/lib/chat/pending-settlements"),
    import("@/lib/chat/chat-settings"),
  ]);
  const stores = getStores();
  startHoldSweeper(stores.metering);
  startSettlementReplayer(getSettlementSpool(), stores);
}
