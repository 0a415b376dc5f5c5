import "server-only";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcClient } from "@/lib/db/rpc";
import { AppError } from "@/lib/errors";
import { rateLimitResultSchema, rateLimitRuleSchema, type RateLimitResult, type RateLimitRule } from "@/lib/rate-limit/schemas";

/** The rate-limit store: fixed-window counters in Postgres, shared by every server instance. */
export function createRateLimitStore(rpc: RpcClient) {
  return {
    /** Counts one hit (one atomic SQL call) and returns the count. Does not throw when refused: see checkRateLimit. */
    async hit(rule: RateLimitRule): Promise<RateLimitResult> {
      const parsed = rateLimitRuleSchema.safeParse(rule);
      // The rule is the server's own configuration, not user input: a bad one is a bug (500), never a 400.
      if (!parsed.success) throw new AppError("internal", "Invalid rate limit rule.", { cause: parsed.error });
      const { key, limit, windowSeconds } = parsed.data;
      return parseDbResult(rateLimitResultSchema, await rpc.call("hit_rate_limit", { p_key: key, p_limit: limit, p_window_seconds: windowSeconds }));
    },
  };
}

export type RateLimitStore = ReturnType<typeof createRateLimitStore>;
