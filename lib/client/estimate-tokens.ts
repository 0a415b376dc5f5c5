/**
 * A cheap client-side estimate of a prompt's tokens: about 4 characters a token for English text,
 * plus the per-message framing the server counts (3 a message, 3 for the reply). The server counts
 * exactly with its tokenizer and is the authority; this only warns before sending.
 */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimatePromptTokens(messages: readonly { role: string; content: string }[]): number {
  return messages.reduce((sum, m) => sum + TOKENS_PER_MESSAGE + 1 + estimateTextTokens(m.content), TOKENS_PER_REPLY);
}

export type BudgetCheck =
  /** Fits with room for a full reply. */
  | { kind: "fits"; promptTokens: number }
  /** The prompt fits but the reply may be cut short: the server shrinks its budget to what remains. */
  | { kind: "tight"; promptTokens: number; remaining: number }
  /** Not even the prompt fits in what remains. */
  | { kind: "too_big"; promptTokens: number; remaining: number };

/** Whether a prompt of this size plus a reply of `outputBudget` fits in `remaining`. */
export function checkBudget(promptTokens: number, outputBudget: number, remaining: number): BudgetCheck {
  if (promptTokens + MIN_REPLY_TOKENS > remaining) return { kind: "too_big", promptTokens, remaining };
  if (promptTokens + outputBudget > remaining) return { kind: "tight", promptTokens, remaining };
  return { kind: "fits", promptTokens };
}

/** The smallest reply the server starts a request for (lib/metering/check-quota.ts MIN_OUTPUT_TOKENS). */
export const MIN_REPLY_TOKENS = 16;
