import "server-only";
import type OpenAI from "openai";
import { getEnv } from "@/lib/env";
import { getLlmClient } from "@/lib/llm/client";

/** What a chat request needs besides the database: the model client and its limits, from configuration. */
export type ChatSettings = {
  llm: OpenAI;
  rateLimitPerMinute: number;
  firstTokenTimeoutMs: number;
  streamIdleTimeoutMs: number;
  maxStreamMs: number;
};

export function getChatSettings(): ChatSettings {
  const env = getEnv();
  return {
    llm: getLlmClient(),
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    firstTokenTimeoutMs: env.LLM_TIMEOUT_MS,
    streamIdleTimeoutMs: env.LLM_STREAM_IDLE_TIMEOUT_MS,
    maxStreamMs: env.LLM_MAX_STREAM_MS,
  };
}
