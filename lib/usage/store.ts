import "server-only";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcArgs, RpcClient, UserIdentity } from "@/lib/db/rpc";
import {
  usageByModelSchema,
  usageDailySchema,
  usageHistoryPageSchema,
  type UsageByModel,
  type UsageDaily,
  type UsageHistoryPage,
  type UsageHistoryPosition,
  type UsageRange,
} from "@/lib/usage/schemas";

/**
 * The usage store: the /usage page's reads of public.usage_ledger over the database port, one SQL
 * function and one round trip each, as the signed-in user under Row Level Security (get_my_usage_*).
 * Where the database can only verify a real JWT (hosted Supabase) and the session has none (the dev
 * sign-in), the server runs the same read for the verified user (get_usage_*), as getMyTokenStatus does.
 */
export type UsageHistoryOptions = {
  range: UsageRange;
  /** 1..1000 rows (the API allows up to 100; the CSV export pulls larger pages). */
  limit: number;
  /** The previous page's `next`: the rows strictly after it, in the same listing. */
  after?: UsageHistoryPosition | null;
};

export function createUsageStore(rpc: RpcClient) {
  /** Calls `get_my_<name>` as the user, or `get_<name>` for them as the server when the port needs a token it lacks. */
  function read(name: string, args: RpcArgs, identity: UserIdentity): Promise<unknown> {
    if (rpc.userCallsNeedToken && !identity.accessToken) return rpc.call(`get_${name}`, { p_user_id: identity.userId, ...args });
    return rpc.callAsUser(`get_my_${name}`, args, identity);
  }

  return {
    /** One page of the user's requests in a range, newest first (keyset on created_at, id). */
    async getHistoryPage(identity: UserIdentity, options: UsageHistoryOptions): Promise<UsageHistoryPage> {
      const after = options.after ?? null;
      const result = await read(
        "usage_history",
        {
          p_range: options.range,
          p_limit: options.limit,
          p_before_created_at: after?.createdAt ?? null,
          p_before_id: after?.id ?? null,
          // A listing's later pages keep its first page's clock: the range does not move under them.
          p_now: after?.asOf,
        },
        identity,
      );
      return parseDbResult(usageHistoryPageSchema, result);
    },

    /** Tokens, requests and cost per UTC day and model for the last `days` UTC days, zero-filled. */
    async getDailyTotals(identity: UserIdentity, days: number): Promise<UsageDaily> {
      return parseDbResult(usageDailySchema, await read("usage_daily", { p_days: days }, identity));
    },

    /** Requests, tokens and cost per model in a range, most tokens first. */
    async getTotalsByModel(identity: UserIdentity, range: UsageRange): Promise<UsageByModel> {
      return parseDbResult(usageByModelSchema, await read("usage_by_model", { p_range: range }, identity));
    },
  };
}

export type UsageStore = ReturnType<typeof createUsageStore>;
