import "server-only";
import { z } from "zod";
import type { SaveChatExchangeInput } from "@/lib/chat/conversation-store";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcClient } from "@/lib/db/rpc";
import { reserveResultSchema, settleResultSchema } from "@/lib/metering/schemas";
import { reserveArgs, settleArgs, type ReserveInput, type SettleInput } from "@/lib/metering/store";
import { rateLimitResultSchema } from "@/lib/rate-limit/schemas";

/**
 * The chat request's two round trips (supabase/migrations/*_create_chat_calls.sql): begin_chat (rate
 * limit, the conversation's owner, reserve) before the model is called, finish_chat (settle, store
 * the exchange) after the reply. Each is one atomic SQL call, idempotent by request id.
 */
const beginChatResultSchema = z.union([
  z.object({ ok: z.literal(false), reason: z.literal("rate_limited"), rate_limit: rateLimitResultSchema }).transform((raw) => ({
    kind: "rate_limited" as const,
    rateLimit: raw.rate_limit,
  })),
  z.object({ ok: z.literal(false), reason: z.literal("conversation_not_found") }).transform(() => ({ kind: "conversation_not_found" as const })),
  reserveResultSchema.transform((reserve) => ({ kind: "reserve" as const, reserve })),
]);
export type BeginChatResult = z.infer<typeof beginChatResultSchema>;

const finishChatResultSchema = z
  .intersection(settleResultSchema, z.object({ exchange_saved: z.boolean() }).transform((raw) => ({ exchangeSaved: raw.exchange_saved })));
export type FinishChatResult = z.infer<typeof finishChatResultSchema>;

export type BeginChatInput = ReserveInput & { promptTokens: number; rateLimitPerMinute: number; conversationId?: string };

export function createChatStore(rpc: RpcClient) {
  return {
    async beginChat(input: BeginChatInput): Promise<BeginChatResult> {
      return parseDbResult(
        beginChatResultSchema,
        await rpc.call("begin_chat", {
          ...reserveArgs(input),
          p_rate_limit: input.rateLimitPerMinute,
          p_conversation_id: input.conversationId ?? null,
        }),
      );
    },

    /** Settles and stores the exchange; `at`, when given, is when the reply ended (a replay from the spool). */
    async finishChat(settle: SettleInput, exchange: SaveChatExchangeInput): Promise<FinishChatResult> {
      return parseDbResult(
        finishChatResultSchema,
        await rpc.call("finish_chat", {
          ...settleArgs(settle),
          p_conversation_id: exchange.conversationId,
          p_title: exchange.title,
          p_user_message: exchange.userMessage,
          p_assistant_message: exchange.assistantMessage,
        }),
      );
    },
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;
