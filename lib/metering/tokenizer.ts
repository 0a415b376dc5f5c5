import { countTokens } from "gpt-tokenizer";

/**
 * Token counting with a real BPE tokenizer (o200k_base, the GPT-4o family encoding).
 * The local LLM server and the quota estimate use these same functions, so locally the
 * estimate and the reported usage agree; against OpenRouter the reported usage is what we charge.
 */

export type ChatTextMessage = { role: string; content: string };

/** Per-message framing tokens (role and separators), as in OpenAI's chat format accounting. */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens that prime the assistant's reply. */
export const TOKENS_PER_REPLY = 3;

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text);
}

export function countChatTokens(messages: readonly ChatTextMessage[]): number {
  let total = TOKENS_PER_REPLY;
  for (const message of messages) total += TOKENS_PER_MESSAGE + countTextTokens(message.role) + countTextTokens(message.content);
  return total;
}
