import "server-only";
import type { User } from "@/lib/auth/user";
import type { ChatRequest } from "@/lib/chat/chat-request";
import type { ChatDeps } from "@/lib/chat/run-chat";
import { AppError } from "@/lib/errors";
import { checkQuota, type QuotaGrant } from "@/lib/metering/check-quota";
import { checkRateLimit } from "@/lib/rate-limit/check-rate-limit";

/** What a chat may use: a hold in the database (metered), or, in fail-open mode, this instance's emergency allowance. */
export type Admission = Omit<QuotaGrant, "status"> & { metered: boolean };

/** Time kept free at the end of a hold's life for settling (its retries take up to about 35 s). */
export const SETTLE_BUDGET_MS = 60_000;

/**
 * Everything that can refuse a chat before the model is called: the rate limit, the conversation's
 * owner and the quota (one atomic reserve). When the database cannot be reached, METERING_FAIL_MODE
 * decides: closed (the default) refuses with 503 `unavailable`; open admits the chat against the
 * emergency allowance (lib/metering/emergency-allowance.ts), without a rate limit or an ownership
 * check (the exchange is stored on replay only if the conversation is the user's).
 */
export async function admitChat(deps: ChatDeps, user: User, chat: ChatRequest, requestId: string): Promise<Admission> {
  const { metering, conversations, rateLimits } = deps.stores;
  try {
    await checkRateLimit(rateLimits, { key: `chat:${user.id}`, limit: deps.rateLimitPerMinute, windowSeconds: 60 });
    if (chat.conversationId) await conversations.assertConversationOwned(user.id, chat.conversationId);
    const grant = await checkQuota(metering, {
      userId: user.id,
      requestId,
      model: chat.model,
      messages: chat.messages,
      maxOutputTokens: chat.maxTokens,
    });
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
