import "server-only";
import { randomUUID } from "node:crypto";
import type { User } from "@/lib/auth/user";
import { admitChat, SETTLE_BUDGET_MS } from "@/lib/chat/admit-chat";
import type { ChatRequest } from "@/lib/chat/chat-request";
import type { ChatSettings } from "@/lib/chat/chat-settings";
import type { ChatStore } from "@/lib/chat/chat-store";
import { recordChat } from "@/lib/chat/record-chat";
import { relayChatStream, type RelayResult } from "@/lib/chat/relay-stream";
import { AppError } from "@/lib/errors";
import { openChatStream } from "@/lib/llm/stream-chat";
import { mapUpstreamError } from "@/lib/llm/upstream-errors";
import { releaseWithRetries } from "@/lib/metering/settle";
import type { MeteringStore } from "@/lib/metering/store";

/** The stores a chat request uses (lib/api/stores.ts builds them) and its settings. */
export type ChatDeps = ChatSettings & {
  stores: { metering: MeteringStore; chat: ChatStore };
};

const TITLE_CHARS = 60;

/**
 * One metered chat request: admit it (rate limit, ownership, reserve: lib/chat/admit-chat.ts), open
 * the upstream stream, then relay it to the browser and record it (settle with the real usage, store
 * the exchange: lib/chat/record-chat.ts). Everything that can refuse the request happens before the
 * first byte is sent, so refusals are plain HTTP errors.
 */
export async function runChat(deps: ChatDeps, user: User, chat: ChatRequest, clientSignal: AbortSignal): Promise<Response> {
  const { metering } = deps.stores;
  const conversationId = chat.conversationId ?? randomUUID();
  const requestId = randomUUID();
  const admission = await admitChat(deps, user, chat, requestId);

  const startedAt = performance.now();
  const upstream = new AbortController();
  const onClientAbort = () => upstream.abort(new Error("client went away"));
  clientSignal.addEventListener("abort", onClientAbort, { once: true });

  // Never longer than the hold lives (minus time to settle): an expired hold stops counting.
  const maxDurationMs = Math.max(1_000, Math.min(deps.maxStreamMs, admission.expiresAt.getTime() - Date.now() - SETTLE_BUDGET_MS));
  const deadline = Date.now() + maxDurationMs; // for the first-token wait and the stream together
  let stream;
  try {
    // A listener added to an already-aborted signal never fires: check first.
    if (clientSignal.aborted) throw new Error("the client went away before the model was called");
    stream = await openChatStream(deps.llm, {
      model: chat.model,
      messages: chat.messages,
      maxTokens: admission.maxOutputTokens,
      signal: upstream.signal,
      firstTokenTimeoutMs: deps.firstTokenTimeoutMs,
      maxWaitMs: maxDurationMs,
    });
  } catch (error) {
    clientSignal.removeEventListener("abort", onClientAbort);
    if (admission.metered) await releaseWithRetries(metering, requestId, deps.settleRetryMs);
    else deps.emergency?.giveBack(user.id, admission.reserved);
    if (clientSignal.aborted) {
      // Nobody is listening any more; the hold is released and nothing was charged.
      throw new AppError("bad_request", "The request was cancelled before the model answered.", { cause: error });
    }
    console.warn(`[chat] upstream failed before the first token (${requestId}): ${error instanceof Error ? error.message : String(error)}`);
    throw mapUpstreamError(error);
  }

  const finish = async (result: RelayResult) => {
    clientSignal.removeEventListener("abort", onClientAbort);
    const recorded = await recordChat(
      deps,
      admission,
      {
        requestId,
        userId: user.id,
        model: chat.model,
        inputTokens: result.usage.promptTokens,
        outputTokens: result.usage.completionTokens,
        costUsd: result.usage.costUsd,
        latencyMs: Math.round(performance.now() - startedAt),
        outcome: result.outcome,
      },
      {
        userId: user.id,
        conversationId,
        title: titleFrom(chat),
        model: chat.model,
        userMessage: chat.messages.at(-1)!.content,
        assistantMessage: result.text,
        requestId,
      },
    );
    return { ...recorded, conversationId };
  };

  let checkpointing = false; // one checkpoint in flight at a time: a slow database never piles them up
  const checkpoint = (outputTokens: number) => {
    if (checkpointing) return;
    checkpointing = true;
    metering
      .checkpointHold(requestId, outputTokens)
      .catch((error: unknown) => console.warn(`[chat] checkpoint of ${requestId} failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (checkpointing = false));
  };

  const body = relayChatStream({
    checkpoint: admission.metered ? checkpoint : undefined, // no hold to checkpoint on the emergency allowance
    stream,
    promptTokens: admission.promptTokens,
    upstream,
    idleTimeoutMs: deps.streamIdleTimeoutMs,
    maxDurationMs: Math.max(1, deadline - Date.now()),
    finish,
    start: { type: "start", requestId, conversationId, model: chat.model, maxOutputTokens: admission.maxOutputTokens },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
      "X-Metering-Request-Id": requestId,
    },
  });
}

function titleFrom(chat: ChatRequest): string {
  const first = chat.messages.find((m) => m.role === "user")?.content ?? "New chat";
  const line = first.replace(/\s+/g, " ").trim();
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : line || "New chat";
}
