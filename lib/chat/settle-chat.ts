import "server-only";
import type { MeteringStore, SettleInput } from "@/lib/db/metering-store";
import type { SettleResult } from "@/lib/metering/schemas";

/** 6 attempts over about 35 s (0.1, 0.4, 1.6, 6.4, 25.6 s apart): outlives a database restart. */
const SETTLE_ATTEMPTS = 6;

/**
 * Settles with the real usage. settle_tokens is idempotent on the request id, so retrying after
 * a lost answer charges once. If every attempt fails the hold stays until it expires (its TTL);
 * the failure is logged with the figures so the request can be settled by hand.
 */
export async function settleChat(store: MeteringStore, input: SettleInput): Promise<SettleResult | null> {
  for (let attempt = 1; attempt <= SETTLE_ATTEMPTS; attempt++) {
    try {
      return await store.settleTokens(input);
    } catch (error) {
      if (attempt === SETTLE_ATTEMPTS) {
        console.error(`[chat] settle failed for ${input.requestId} after ${attempt} attempts`, { input, error });
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 4 ** (attempt - 1)));
    }
  }
  return null;
}

/** Drops the hold (the model call failed before any token). Idempotent; failures are logged. */
export async function releaseChat(store: MeteringStore, requestId: string): Promise<void> {
  try {
    await store.releaseTokens(requestId);
  } catch (error) {
    console.error(`[chat] release failed for ${requestId}; the hold lapses at its expiry`, error);
  }
}
