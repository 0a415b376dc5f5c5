import "server-only";
import type { MeteringStore, ReserveInput } from "@/lib/metering/store";
import { AppError } from "@/lib/errors";
import { countChatTokens, type ChatTextMessage } from "@/lib/metering/tokenizer";
import type { ReserveResult, TokenStatus } from "@/lib/metering/schemas";

/** The smallest reply worth starting a request for. Less room than this is "over quota". */
export const MIN_OUTPUT_TOKENS = 16;
/** How long a request refused as quota_held is told to wait: holds of a streaming chat settle in seconds. */
export const QUOTA_HELD_RETRY_AFTER_SECONDS = 5;
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
 * on any number of instances never overshoot. Throws AppError when refused: quota_held (429,
 * Retry-After) when only the user's own requests in flight are in the way, quota_exceeded otherwise.
 */
export async function checkQuota(store: MeteringStore, request: QuotaRequest): Promise<QuotaGrant> {
  const input = reserveInputFor(request);
  return grantOrThrow(await store.reserveTokens(input), request, input.promptTokens);
}

/** What to reserve for a request: its prompt as the tokenizer counts it, plus the output budget. */
export function reserveInputFor(request: QuotaRequest): ReserveInput & { promptTokens: number } {
  const promptTokens = countChatTokens(request.messages);
  return {
    userId: request.userId,
    requestId: request.requestId,
    model: request.model,
    minTokens: promptTokens + MIN_OUTPUT_TOKENS,
    maxTokens: promptTokens + Math.max(request.maxOutputTokens ?? UNBOUNDED_OUTPUT_TOKENS, MIN_OUTPUT_TOKENS),
    promptTokens,
  };
}

/** The grant of a reserve that held tokens; the AppError of one that refused (see checkQuota). */
export function grantOrThrow(result: ReserveResult, request: QuotaRequest, promptTokens: number): QuotaGrant {
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
      if (isHeldByOthers(status, needed)) {
        throw new AppError("quota_held", "Your other chats in progress hold the remaining tokens; try again in a moment.", {
          details: { remaining: status.remaining, held: status.held, needed, retryAfterSeconds: QUOTA_HELD_RETRY_AFTER_SECONDS },
          headers: { "Retry-After": String(QUOTA_HELD_RETRY_AFTER_SECONDS) },
        });
      }
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

/**
 * A quota_exceeded refusal that holds alone explain: the request would fit in what the plan allowance
 * and the balance leave without the user's requests in flight. Read from the refusal's own status (the
 * database's figures under the account lock, no extra query). Not `remaining + held`: remaining is
 * floored at 0, so when holds exceed what is left (a lowered cap, an overshooting settle) that sum
 * overstates it; and an expired hold is in neither `held` nor the way.
 */
function isHeldByOthers(status: TokenStatus, needed: number): boolean {
  const freeWithoutHolds = Math.max(status.cap - status.used, 0) + status.balance;
  return status.held > 0 && needed <= freeWithoutHolds;
}
