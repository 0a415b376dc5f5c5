import "server-only";
import { z } from "zod";
import { toIntArrayLiteral } from "@/lib/db/array-literal";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcArgs, RpcClient, UserIdentity } from "@/lib/db/rpc";
import { catalogueSchema } from "@/lib/metering/catalogue";
import type { WarningThreshold } from "@/lib/client/thresholds";
import {
  adminResultSchema,
  releaseResultSchema,
  reserveResultSchema,
  settleResultSchema,
  sweepResultSchema,
  tokenStatusSchema,
  type Outcome,
} from "@/lib/metering/schemas";

/**
 * The metering store: typed calls to the metering SQL functions over the database port (either
 * adapter). Each call is one round trip and one atomic SQL function; no quota arithmetic happens here.
 */
export type ReserveInput = {
  userId: string;
  requestId: string;
  model: string;
  minTokens: number;
  maxTokens: number;
  /** The prompt's size: lets the database cap the output part at the plan's per-request limit. */
  promptTokens?: number;
};

export type SettleInput = {
  requestId: string;
  userId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd?: number | null;
  latencyMs?: number | null;
  outcome: Outcome;
  /** When the reply ended, if not now: a settlement replayed from the spool charges the period of that moment. */
  at?: Date;
};

/** reserve_tokens' arguments (begin_chat takes the same ones, and the rate limit's and the conversation's). */
export function reserveArgs(input: ReserveInput): RpcArgs {
  return {
    p_user_id: input.userId,
    p_request_id: input.requestId,
    p_model: input.model,
    p_min_tokens: input.minTokens,
    p_max_tokens: input.maxTokens,
    p_prompt_tokens: input.promptTokens,
  };
}

/** settle_tokens' arguments (finish_chat takes the same ones, and the exchange's). */
export function settleArgs(input: SettleInput): RpcArgs {
  return {
    p_request_id: input.requestId,
    p_user_id: input.userId,
    p_model: input.model,
    p_input_tokens: input.inputTokens,
    p_output_tokens: input.outputTokens,
    p_cost_usd: input.costUsd ?? null,
    p_latency_ms: input.latencyMs ?? null,
    p_outcome: input.outcome,
    ...(input.at ? { p_now: input.at.toISOString() } : {}),
  };
}

export function createMeteringStore(rpc: RpcClient) {
  return {
    async reserveTokens(input: ReserveInput) {
      return parseDbResult(
        reserveResultSchema,
        await rpc.call("reserve_tokens", reserveArgs(input)),
      );
    },

    async settleTokens(input: SettleInput) {
      return parseDbResult(
        settleResultSchema,
        await rpc.call("settle_tokens", settleArgs(input)),
      );
    },

    /** Progress and heartbeat of a live hold (output tokens so far); false once the hold is gone. */
    async checkpointHold(requestId: string, outputTokens: number) {
      return parseDbResult(z.boolean(), await rpc.call("checkpoint_hold", { p_request_id: requestId, p_output_tokens: outputTokens }));
    },

    /** Settles (aborted, at their last checkpoint) or releases the holds whose servers went silent; idempotent. */
    async sweepStaleHolds(silenceSeconds: number) {
      return parseDbResult(sweepResultSchema, await rpc.call("sweep_stale_holds", { p_silence_seconds: silenceSeconds }));
    },

    async releaseTokens(requestId: string) {
      return parseDbResult(releaseResultSchema, await rpc.call("release_tokens", { p_request_id: requestId }));
    },

    /** As the server, for any user. */
    async getTokenStatus(userId: string) {
      return parseDbResult(tokenStatusSchema, await rpc.call("get_token_status", { p_user_id: userId }));
    },

    /**
     * As the user, under Row Level Security. Where the database can only verify a real JWT (hosted
     * Supabase) and the session has none (the dev sign-in), the server reads it for the verified user.
     */
    async getMyTokenStatus(identity: UserIdentity) {
      if (rpc.userCallsNeedToken && !identity.accessToken) return this.getTokenStatus(identity.userId);
      return parseDbResult(tokenStatusSchema, await rpc.callAsUser("get_my_token_status", {}, identity));
    },

    /**
     * As the server: acknowledges the given warning thresholds of the user's current period
     * (idempotent) and returns the status after, which no longer carries them.
     */
    async acknowledgeAlerts(userId: string, thresholds: readonly WarningThreshold[]) {
      return parseDbResult(
        tokenStatusSchema,
        await rpc.call("acknowledge_usage_alerts", { p_user_id: userId, p_thresholds: toIntArrayLiteral(thresholds) }),
      );
    },

    /** As the user (acknowledge_my_usage_alerts reads the subject from their JWT), with the fallback of getMyTokenStatus. */
    async acknowledgeMyAlerts(identity: UserIdentity, thresholds: readonly WarningThreshold[]) {
      if (rpc.userCallsNeedToken && !identity.accessToken) return this.acknowledgeAlerts(identity.userId, thresholds);
      return parseDbResult(
        tokenStatusSchema,
        await rpc.callAsUser("acknowledge_my_usage_alerts", { p_thresholds: toIntArrayLiteral(thresholds) }, identity),
      );
    },

    /** Every enabled model, each marked with whether this user's plan allows it. */
    async getModelCatalogue(userId: string) {
      return parseDbResult(catalogueSchema, await rpc.call("list_models", { p_user_id: userId }));
    },

    async setPlan(userId: string, planId: string, actor: string) {
      return parseDbResult(adminResultSchema, await rpc.call("admin_set_plan", { p_user_id: userId, p_plan_id: planId, p_actor: actor }));
    },

    async setCapOverride(userId: string, cap: number | null, actor: string) {
      return parseDbResult(adminResultSchema, await rpc.call("admin_set_cap_override", { p_user_id: userId, p_cap: cap, p_actor: actor }));
    },

    async grantTokens(userId: string, tokens: number, reason: string, actor: string) {
      return parseDbResult(
        adminResultSchema,
        await rpc.call("admin_grant_tokens", { p_user_id: userId, p_tokens: tokens, p_reason: reason, p_actor: actor }),
      );
    },

    async topUp(userId: string, tokens: number, paymentRef: string, actor: string) {
      return parseDbResult(
        adminResultSchema,
        await rpc.call("admin_top_up", { p_user_id: userId, p_tokens: tokens, p_payment_ref: paymentRef, p_actor: actor }),
      );
    },
  };
}

export type MeteringStore = ReturnType<typeof createMeteringStore>;
