import "server-only";
import type { Admission } from "@/lib/chat/admit-chat";
import type { SaveChatExchangeInput } from "@/lib/chat/conversation-store";
import { spoolSettlement } from "@/lib/chat/pending-settlements";
import type { ChatDeps } from "@/lib/chat/run-chat";
import { AppError } from "@/lib/errors";
import type { SettleResult } from "@/lib/metering/schemas";
import { settleWithRetries } from "@/lib/metering/settle";
import type { SettleInput } from "@/lib/metering/store";

export type Recorded = {
  /** The settlement, with the allowance after it; null when the database could not take it. */
  settled: SettleResult | null;
  /** false: the usage waits in the spool and is charged when the database is back. */
  recorded: boolean;
};

/**
 * After a reply: charges it (with retries) and stores the exchange. What the database cannot take
 * goes to the durable spool, replayed when it is back, so nothing is lost. A chat admitted without a
 * hold (fail-open) tries once: the database was away a moment ago.
 */
export async function recordChat(deps: ChatDeps, admission: Admission, settle: SettleInput, exchange: SaveChatExchangeInput): Promise<Recorded> {
  const at = new Date();
  const settled = await settleWithRetries(deps.stores.metering, settle, admission.metered ? deps.settleRetryMs : 0);
  if (!admission.metered) deps.emergency?.giveBack(settle.userId, admission.reserved - settle.inputTokens - settle.outputTokens);
  if (!settled) {
    await spoolSettlement(deps.spool, { settle: { ...settle, at }, exchange });
    return { settled: null, recorded: false };
  }
  try {
    await deps.stores.conversations.saveChatExchange(exchange);
  } catch (error) {
    if (error instanceof AppError && error.code !== "unavailable") {
      console.error(`[chat] could not store the exchange of ${settle.requestId}`, error);
    } else {
      // Charged already: the replay's settle finds it settled and stores the exchange.
      await spoolSettlement(deps.spool, { settle: { ...settle, at }, exchange });
    }
  }
  return { settled, recorded: true };
}
