import "server-only";
import { AppError } from "@/lib/errors";
import type { RateLimitStore } from "@/lib/rate-limit/rate-limit-store";
import type { RateLimitResult, RateLimitRule } from "@/lib/rate-limit/schemas";

/**
 * Counts one hit and throws AppError rate_limited (429, with Retry-After) when it is over the limit.
 * The chat route calls it with `{ key: "chat:<userId>", limit: RATE_LIMIT_PER_MINUTE, windowSeconds: 60 }`.
 */
export async function checkRateLimit(store: RateLimitStore, rule: RateLimitRule): Promise<RateLimitResult> {
  const result = await store.hit(rule);
  if (!result.allowed) throw rateLimitedError(result);
  return result;
}

/** 429 rate_limited with Retry-After, for a hit over the limit. */
export function rateLimitedError(result: RateLimitResult): AppError {
  const seconds = Math.max(1, result.retryAfterSeconds);
  return new AppError(
    "rate_limited",
    `Too many requests: at most ${result.limit} per ${describeWindow(result.windowSeconds)}. Try again in ${seconds} s.`,
    { details: { limit: result.limit, retryAfterSeconds: seconds }, headers: { "Retry-After": String(seconds) } },
  );
}

function describeWindow(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3600) return "hour";
  return `${seconds} s`;
}
