import "server-only";
import OpenAI from "openai";
import type { ChatEvent } from "@/lib/chat/chat-request";
import { countTextTokens } from "@/lib/llm/tokenizer";
import type { ChatStream, UpstreamUsage } from "@/lib/llm/stream-chat";
import type { Outcome, SettleResult } from "@/lib/metering/schemas";

export type RelayResult = {
  text: string;
  outcome: Outcome;
  usage: UpstreamUsage;
};

export type RelayOptions = {
  stream: ChatStream;
  /** Our own count of the prompt, used when the stream ends without a usage chunk. */
  promptTokens: number;
  /** Aborts the upstream call; the relay aborts it when the stream goes idle. */
  upstream: AbortController;
  idleTimeoutMs: number;
  /** A stream may last this long in all; kept below the hold's lifetime so a hold never lapses mid-stream. */
  maxDurationMs: number;
  /** After the stream: settle, store; returns what the final event reports. */
  finish: (result: RelayResult) => Promise<{ settled: SettleResult | null; conversationId: string }>;
  start: Extract<ChatEvent, { type: "start" }>;
};

/**
 * The response body of POST /api/chat: passes each token on as it arrives (NDJSON events), then
 * settles exactly once with what was really consumed, whether the stream completed, was cut off
 * upstream, went idle, or the browser went away.
 */
export function relayChatStream(options: RelayOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let clientGone = false;

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: ChatEvent) => {
        if (clientGone) return;
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
        } catch {
          clientGone = true;
        }
      };
      void pump(options, send)
        .catch((error: unknown) => console.error("[chat] relay failed", error))
        .finally(() => {
        if (clientGone) return;
        try {
          controller.close();
        } catch {
          // already closed by a cancel
        }
      });
    },
    cancel() {
      clientGone = true;
      options.upstream.abort(new Error("client went away"));
    },
  });
}

async function pump(options: RelayOptions, send: (event: ChatEvent) => void): Promise<void> {
  send(options.start);
  let text = "";
  let reasoning = "";
  let usage: UpstreamUsage | null = null;
  let failure: unknown = null;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => options.upstream.abort(new Error("upstream stream idle")), options.idleTimeoutMs);
  };
  const deadline = setTimeout(() => options.upstream.abort(new Error("stream too long")), options.maxDurationMs);
  try {
    armIdleTimer();
    options.stream.onActivity(armIdleTimer); // keep-alive bytes count as life too
    for await (const event of options.stream.events) {
      armIdleTimer();
      if (event.type === "delta") {
        text += event.text;
        send({ type: "delta", text: event.text });
      } else if (event.type === "reasoning") {
        reasoning += event.text;
      } else if (event.type === "usage") {
        usage = event.usage;
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(deadline);
  }

  // A stream that ended normally is "ok" even when the provider sent no usage (we count it then);
  // one that threw or was aborted (browser gone, idle, too long) is "aborted", a provider's error "error".
  const ended = failure === null;
  const outcome: Outcome = usage || ended ? "ok" : isProviderError(failure) ? "error" : "aborted";
  // Without the provider's figures: our prompt count plus every token that arrived, reasoning included.
  const charged = usage ?? {
    promptTokens: options.promptTokens,
    completionTokens: countTextTokens(text) + countTextTokens(reasoning),
    costUsd: null,
  };
  if (outcome !== "ok") {
    send({
      type: "error",
      error: { code: "upstream_unavailable", message: "The reply was cut off before it finished. You were charged only for what arrived." },
    });
  }
  const { settled, conversationId } = await options.finish({ text, outcome, usage: charged });
  send({
    type: "done",
    outcome,
    conversationId,
    usage: {
      inputTokens: charged.promptTokens,
      outputTokens: charged.completionTokens,
      totalTokens: charged.promptTokens + charged.completionTokens,
      costUsd: charged.costUsd,
    },
    status: settled
      ? {
          used: settled.status.used,
          cap: settled.status.cap,
          remaining: settled.status.remaining,
          balance: settled.status.balance,
          resetsAt: settled.status.resetsAt.toISOString(),
        }
      : null,
  });
}

/** An error the provider sent mid-stream (as opposed to a cut connection or an abort). */
function isProviderError(error: unknown): boolean {
  return error instanceof OpenAI.APIError && !(error instanceof OpenAI.APIUserAbortError) && !(error instanceof OpenAI.APIConnectionError);
}
