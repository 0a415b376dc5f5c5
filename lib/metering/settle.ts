import "server-only";
import type { SettleResult } from "@/lib/metering/schemas";
import type { MeteringStore, SettleInput } from "@/lib/metering/store";

/** 6 attempts over about 35 s (0.1, 0.4, 1.6, 6.4, 25.6 s apart): outlives a database restart. */
const ATTEMPTS = 6;

/** Runs an idempotent metering call until it succeeds or the attempts run out; null then, logged. */
async function withRetries<T>(what: string, call: () => Promise<T>): Promise<T | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt === ATTEMPTS) {
        console.error(`[metering] ${what} failed after ${attempt} attempts`, error);
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 4 ** (attempt - 1)));
    }
  }
}

/**
 * Settles a hold with the real usage. settle_tokens is idempotent on the request id, so retrying
 * after a lost answer charges once. If every attempt fails the hold stays until it expires (its TTL);
 * the failure is logged with the figures so the request can be settled by hand.
 */
export async function settleWithRetries(store: MeteringStore, input: SettleInput): Promise<SettleResult | null> {
  return withRetries(`settle of ${input.requestId} ${JSON.stringify(input)}`, () => store.settleTokens(input));
}

/** Drops a hold (the model call failed before any token). Idempotent, so retried like settle. */
export async function releaseWithRetries(store: MeteringStore, requestId: string): Promise<void> {
  await withRetries(`release of ${requestId} (the hold lapses at its expiry)`, () => store.releaseTokens(requestId));
}
