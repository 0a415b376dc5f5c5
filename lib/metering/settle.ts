import "server-only";
import type { SettleResult } from "@/lib/metering/schemas";
import type { MeteringStore, SettleInput } from "@/lib/metering/store";

/**
 * How long a settle or release keeps trying before giving up (METERING_SETTLE_RETRY_MS): attempts
 * 0.1, 0.4, 1.6, 6.4 and 25.6 s apart fit in the default, which outlives a database restart. After
 * that a chat's settlement goes to the spool (lib/chat/pending-settlements.ts).
 */
export const DEFAULT_SETTLE_RETRY_MS = 35_000;

/** Runs an idempotent metering call until it succeeds or the time is spent; null then, logged. */
export async function withRetries<T>(what: string, call: () => Promise<T>, retryMs: number): Promise<T | null> {
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = 100 * 4 ** (attempt - 1);
      if (Date.now() - startedAt + delay > retryMs) {
        console.error(`[metering] ${what} failed after ${attempt} attempts`, error instanceof Error ? error.message : error);
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Settles a hold with the real usage. settle_tokens is idempotent on the request id, so retrying
 * after a lost answer charges once. null when every attempt failed: the caller keeps the settlement
 * (the spool) and the hold stays until then, or until the sweeper settles it at its last checkpoint.
 */
export async function settleWithRetries(store: MeteringStore, input: SettleInput, retryMs = DEFAULT_SETTLE_RETRY_MS): Promise<SettleResult | null> {
  return withRetries(`settle of ${input.requestId}`, () => store.settleTokens(input), retryMs);
}

/** Drops a hold (the model call failed before any token). Idempotent, so retried like settle. */
export async function releaseWithRetries(store: MeteringStore, requestId: string, retryMs = DEFAULT_SETTLE_RETRY_MS): Promise<void> {
  await withRetries(`release of ${requestId} (the hold lapses at its expiry, or the sweeper releases it)`, () => store.releaseTokens(requestId), retryMs);
}
