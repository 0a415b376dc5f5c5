import "server-only";
import type { User } from "@/lib/auth/user";
import type { ChatRequest } from "@/lib/chat/chat-request";
import { conversationNotFound } from "@/lib/chat/conversation-store";
import type { ChatDeps } from "@/lib/chat/run-chat";
import { AppError } from "@/lib/errors";
import { grantOrThrow, reserveInputFor, type QuotaGrant } from "@/lib/metering/check-quota";
import { rateLimitedError } from "@/lib/rate-limit/check-rate-limit";

/** What a chat may use: a hold in the database (metered), or, in fail-open mode, this instance's emergency allowance. */
export type Admission = Omit<QuotaGrant, "status"> & { metered: boolean };

/** Time kept free at the end of a hold's life for settling (its retries take up to about 35 s). */
export const SETTLE_BUDGET_MS = 60_000;

/**
 * Everything that can refuse a chat before the model is called, in one round trip (begin_chat): the
 * rate limit, the conversation's owner and the quota (one atomic reserve). When the database cannot
 * be reached, METERING_FAIL_MODE decides: closed (the default) refuses with 503 `unavailable`; open
 * admits the chat against the emergency allowance (lib/metering/emergency-allowance.ts), without a
 * rate limit or an ownership check (finish_chat stores the exchange only in the user's own conversation).
 */
export async function admitChat(deps: ChatDeps, user: User, chat: ChatRequest, requestId: string): Promise<Admission> {
  const quota = { userId: user.id, requestId, model: chat.model, messages: chat.messages, maxOutputTokens: chat.maxTokens };
  try {
    const input = reserveInputFor(quota);
    const begun = await deps.stores.chat.beginChat({ ...input, rateLimitPerMinute: deps.rateLimitPerMinute, conversationId: chat.conversationId });
    if (begun.kind === "rate_limited") throw rateLimitedError(begun.rateLimit);
    if (begun.kind === "conversation_not_found") throw conversationNotFound();
    const grant = grantOrThrow(begun.reserve, quota, input.promptTokens);
    deps.emergency?.reset(); // the database answers: any outage is over
    return { ...grant, metered: true };
  } catch (error) {
    if (!deps.emergency || !(error instanceof AppError && error.code === "unavailable")) throw error;
    const taken = deps.emergency.take({ userId: user.id, messages: chat.messages, maxOutputTokens: chat.maxTokens });
    if (!taken) {
      throw new AppError("unavailable", "Usage cannot be checked right now and this server's emergency allowance is spent. Try again shortly.", {
        cause: error,
        details: error.details,
        headers: error.headers,
      });
    }
    console.warn(`[metering] fail-open: ${requestId} of ${user.id} admitted on the emergency allowance (${taken.reserved} tokens): the database is unreachable`);
    return { requestId, ...taken, expiresAt: new Date(Date.now() + deps.maxStreamMs + SETTLE_BUDGET_MS), metered: false };
  }
}
