import "server-only";
import type { MeteringStore } from "@/lib/metering/store";
import { AppError } from "@/lib/errors";
import { countChatTokens, type ChatTextMessage } from "@/lib/metering/tokenizer";
import type { TokenStatus } from "@/lib/metering/schemas";

/** The smallest reply worth starting a request for. Less room than this is "over quota". */
export const MIN_OUTPUT_TOKENS = 16;
/** Asked-for output when the client names no limit: the plan's per-request limit then applies. */
const UNBOUNDED_OUTPUT_TOKENS = 1_000_000;

export type QuotaRequest = {
  userId: string;
  requestId: string;
  model: string;
  messages: readonly ChatTextMessage[];
  /** The client's max_tokens, if any. */
  maxOutputTokens?: number;
};

export type QuotaGrant = {
  requestId: string;
  promptTokens: number;
  /** The output budget to send upstream as max_tokens: clamped to what remains and to the plan's limit. */
  maxOutputTokens: number;
  reserved: number;
  /** When the hold lapses by itself: the stream must be settled before then. */
  expiresAt: Date;
  status: TokenStatus;
};

/**
 * Estimates the request with the tokenizer (prompt plus output budget) and reserves it in one
 * atomic SQL call. The database clamps the output budget to what remains, so concurrent requests
 * on any number of instances never overshoot. Throws AppError when refused.
 */
export async function checkQuota(store: MeteringStore, request: QuotaRequest): Promise<QuotaGrant> {
  const promptTokens = countChatTokens(request.messages);
  const result = await store.reserveTokens({
    userId: request.userId,
    requestId: request.requestId,
    model: request.model,
    minTokens: promptTokens + MIN_OUTPUT_TOKENS,
    maxTokens: promptTokens + Math.max(request.maxOutputTokens ?? UNBOUNDED_OUTPUT_TOKENS, MIN_OUTPUT_TOKENS),
    promptTokens,
  });
  if (result.ok) {
    return {
      requestId: result.requestId,
      promptTokens,
      maxOutputTokens: result.reserved - (result.promptTokensHeld ?? promptTokens),
      reserved: result.reserved,
      expiresAt: result.expiresAt,
      status: result.status,
    };
  }
  const { status } = result;
  const needed = result.needed ?? promptTokens + MIN_OUTPUT_TOKENS;
  switch (result.reason) {
    case "quota_exceeded":
      throw new AppError(
        "quota_exceeded",
        `Not enough tokens left for this request: it needs about ${needed}, ${status.remaining} remain. Your allowance resets at ${status.resetsAt.toISOString()}.`,
        {
          details: {
            used: status.used,
            cap: status.cap,
            balance: status.balance,
            remaining: status.remaining,
            needed,
            resetsAt: status.resetsAt.toISOString(),
          },
        },
      );
    case "model_not_allowed":
      throw new AppError("model_not_allowed", `Your ${status.planName} plan does not include the model ${request.model}.`, {
        details: { model: request.model, plan: status.plan },
      });
    case "unknown_model":
      throw new AppError("bad_request", `Invalid model: unknown model ${request.model}`, {
        details: { fields: [{ field: "model", message: `unknown model ${request.model}` }] },
      });
    case "prompt_too_long":
      throw new AppError("bad_request", `Invalid messages: too long for ${request.model} (it needs about ${needed} tokens)`, {
        details: { fields: [{ field: "messages", message: "too long for the model's context window" }], needed },
      });
    case "already_settled":
      throw new AppError("bad_request", "This request has already been completed.", { details: { requestId: request.requestId } });
  }
}
