import "server-only";
import type { Admission } from "@/lib/chat/admit-chat";
import type { SaveChatExchangeInput } from "@/lib/chat/conversation-store";
import { spoolSettlement } from "@/lib/chat/pending-settlements";
import type { ChatDeps } from "@/lib/chat/run-chat";
import type { SettleResult } from "@/lib/metering/schemas";
import { withRetries } from "@/lib/metering/settle";
import type { SettleInput } from "@/lib/metering/store";

export type Recorded = {
  /** The settlement, with the allowance after it; null when the database could not take it. */
  settled: SettleResult | null;
  /** false: the usage waits in the spool and is charged when the database is back. */
  recorded: boolean;
};

/**
 * After a reply, in one round trip (finish_chat): charges it and stores the exchange, retried for
 * METERING_SETTLE_RETRY_MS (both parts are idempotent by request id). What the database cannot take
 * by then goes to the durable spool, replayed when it is back, so nothing is lost. A chat admitted
 * without a hold (fail-open) tries once: the database was away a moment ago.
 */
export async function recordChat(deps: ChatDeps, admission: Admission, settle: SettleInput, exchange: SaveChatExchangeInput): Promise<Recorded> {
  const at = new Date();
  const finished = await withRetries(
    `settle of ${settle.requestId}`,
    () => deps.stores.chat.finishChat(settle, exchange),
    admission.metered ? deps.settleRetryMs : 0,
  );
  if (!admission.metered) deps.emergency?.giveBack(settle.userId, admission.reserved - settle.inputTokens - settle.outputTokens);
  if (!finished) {
    await spoolSettlement(deps.spool, { settle: { ...settle, at }, exchange });
    return { settled: null, recorded: false };
  }
  if (!finished.exchangeSaved) console.warn(`[chat] the exchange of ${settle.requestId} was not stored: its conversation is another user's`);
  return { settled: finished, recorded: true };
}
