import "server-only";
import type { MeteringStore } from "@/lib/metering/store";

/**
 * How holds of a dead server are found (supabase/migrations/..._create_hold_checkpoints.sql): a live
 * stream checkpoints its hold HOLD_CHECKPOINT_FIRST_MS after it starts, then every
 * HOLD_CHECKPOINT_INTERVAL_MS; a hold silent for HOLD_SILENCE_SECONDS is settled at its last checkpoint
 * (or released, without one) by the sweeper that every server instance runs.
 */
export const HOLD_CHECKPOINT_FIRST_MS = 2_000;
export const HOLD_CHECKPOINT_INTERVAL_MS = 5_000;
export const HOLD_SILENCE_SECONDS = 30;
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Runs the sweep every ~10 s (jittered, so instances spread out) until stopped. Safe on every
 * instance at once: settle is idempotent by request id. A failed sweep (database away) is logged once
 * per outage and tried again next time.
 */
export function startHoldSweeper(store: MeteringStore, options: { intervalMs?: number; silenceSeconds?: number } = {}): () => void {
  const intervalMs = options.intervalMs ?? SWEEP_INTERVAL_MS;
  const silenceSeconds = options.silenceSeconds ?? HOLD_SILENCE_SECONDS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, intervalMs * (0.75 + Math.random() / 2));
    timer.unref();
  };
  const run = async () => {
    try {
      const result = await store.sweepStaleHolds(silenceSeconds);
      if (result.swept + result.released > 0) {
        console.warn(`[metering] swept ${result.swept} hold(s) of silent servers (${result.tokens} tokens charged) and released ${result.released}`);
      }
      failing = false;
    } catch (error) {
      if (!failing) console.error("[metering] hold sweep failed; retrying", error instanceof Error ? error.message : error);
      failing = true;
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
