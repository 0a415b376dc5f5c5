import "server-only";
import type { ChatEvent } from "@/lib/client/chat-events";
import type { ChatStream } from "@/lib/llm/stream-chat";
import { isProviderError } from "@/lib/llm/upstream-errors";
import { chargeableUsage, type StreamEnd, type Usage } from "@/lib/metering/chargeable-usage";
import { HOLD_CHECKPOINT_FIRST_MS, HOLD_CHECKPOINT_INTERVAL_MS } from "@/lib/metering/hold-sweeper";
import { countTextTokens } from "@/lib/metering/tokenizer";
import type { Outcome, SettleResult } from "@/lib/metering/schemas";
import { toTokenStatusView } from "@/lib/metering/token-status-view";

export type RelayResult = {
  text: string;
  outcome: Outcome;
  usage: Usage;
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
  finish: (result: RelayResult) => Promise<{ settled: SettleResult | null; recorded: boolean; conversationId: string }>;
  start: Extract<ChatEvent, { type: "start" }>;
  /**
   * Records the output tokens so far on the hold (its heartbeat), first after `checkpointFirstMs`,
   * then every `checkpointIntervalMs`, while the stream lasts: if this server dies, the sweeper
   * charges up to the last checkpoint. Fire-and-forget; must not throw.
   */
  checkpoint?: (outputTokens: number) => void;
  checkpointFirstMs?: number;
  checkpointIntervalMs?: number;
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
  let usage: Usage | null = null;
  let failure: unknown = null;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => options.upstream.abort(new Error("upstream stream idle")), options.idleTimeoutMs);
  };
  const deadline = setTimeout(() => options.upstream.abort(new Error("stream too long")), options.maxDurationMs);
  let checkpointTimer: NodeJS.Timeout | undefined;
  const checkpoint = () => {
    options.checkpoint?.(countTextTokens(text) + countTextTokens(reasoning));
    checkpointTimer = setTimeout(checkpoint, options.checkpointIntervalMs ?? HOLD_CHECKPOINT_INTERVAL_MS);
  };
  if (options.checkpoint) checkpointTimer = setTimeout(checkpoint, options.checkpointFirstMs ?? HOLD_CHECKPOINT_FIRST_MS);
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
    clearTimeout(checkpointTimer);
  }

  const end: StreamEnd = failure === null ? "completed" : isProviderError(failure) ? "provider_error" : "cut";
  const { outcome, usage: charged } = chargeableUsage({ end, reported: usage, promptTokens: options.promptTokens, text, reasoning });
  if (outcome !== "ok") {
    send({
      type: "error",
      error: { code: "upstream_unavailable", message: "The reply was cut off before it finished. You were charged only for what arrived." },
    });
  }
  const { settled, recorded, conversationId } = await options.finish({ text, outcome, usage: charged });
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
    status: settled ? toTokenStatusView(settled.status) : null,
    recorded,
  });
}
