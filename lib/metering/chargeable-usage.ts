import { countTextTokens } from "@/lib/metering/tokenizer";
import type { Outcome } from "@/lib/metering/schemas";

/** Usage as the provider reports it, or as we count it when it does not. */
export type Usage = { promptTokens: number; completionTokens: number; costUsd: number | null };

/** How a reply's stream ended. */
export type StreamEnd =
  /** The stream ran to its end. */
  | "completed"
  /** The provider sent an error mid-stream. */
  | "provider_error"
  /** Cut off: the connection dropped, it went idle, ran too long, or the browser went away. */
  | "cut";

export type StreamResult = {
  end: StreamEnd;
  /** The usage chunk, when the provider sent one. */
  reported: Usage | null;
  /** Our own count of the prompt (the tokenizer's, as reserved). */
  promptTokens: number;
  /** Everything that arrived: the reply's text and any reasoning (billed as output, not shown). */
  text: string;
  reasoning: string;
};

/**
 * What to charge for a reply, and how it ended. The provider's reported usage wins whenever it came.
 * Without it: our prompt count plus every token that arrived, reasoning included, so a cut stream is
 * charged for what was streamed, never for what was held. A stream that ran to its end is "ok" even
 * without a usage chunk; one cut off is "aborted", one the provider failed is "error".
 */
export function chargeableUsage(result: StreamResult): { outcome: Outcome; usage: Usage } {
  const outcome: Outcome = result.reported || result.end === "completed" ? "ok" : result.end === "provider_error" ? "error" : "aborted";
  const usage = result.reported ?? {
    promptTokens: result.promptTokens,
    completionTokens: countTextTokens(result.text) + countTextTokens(result.reasoning),
    costUsd: null,
  };
  return { outcome, usage };
}
