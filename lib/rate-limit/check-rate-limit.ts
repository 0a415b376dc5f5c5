import "server-only";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcClient } from "@/lib/db/rpc";
import { AppError } from "@/lib/errors";
import { rateLimitResultSchema, rateLimitRuleSchema, type RateLimitResult, type RateLimitRule } from "@/lib/rate-limit/schemas";

/**
 * Counts one hit against a fixed-window limit in Postgres (one atomic SQL call, shared by every
 * server instance) and returns the count. Does not throw when refused: see checkRateLimit.
 */
export async function hitRateLimit(rpc: RpcClient, rule: RateLimitRule): Promise<RateLimitResult> {
  const parsed = rateLimitRuleSchema.safeParse(rule);
  // The rule is the server's own configuration, not user input: a bad one is a bug (500), never a 400.
  if (!parsed.success) throw new AppError("internal", "Invalid rate limit rule.", { cause: parsed.error });
  const { key, limit, windowSeconds } = parsed.data;
  return parseDbResult(rateLimitResultSchema, await rpc.call("hit_rate_limit", { p_key: key, p_limit: limit, p_window_seconds: windowSeconds }));
}

/**
 * Counts one hit and throws AppError rate_limited (429, with Retry-After) when it is over the limit.
 * The chat route calls it with `{ key: "chat:<userId>", limit: RATE_LIMIT_PER_MINUTE, windowSeconds: 60 }`.
 */
export async function checkRateLimit(rpc: RpcClient, rule: RateLimitRule): Promise<RateLimitResult> {
  const result = await hitRateLimit(rpc, rule);
  if (!result.allowed) {
    const seconds = Math.max(1, result.retryAfterSeconds);
    throw new AppError(
      "rate_limited",
      `Too many requests: at most ${result.limit} per ${describeWindow(result.windowSeconds)}. Try again in ${seconds} s.`,
      { details: { limit: result.limit, retryAfterSeconds: seconds }, headers: { "Retry-After": String(seconds) } },
    );
  }
  return result;
}

function describeWindow(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3600) return "hour";
  return `${seconds} s`;
}
