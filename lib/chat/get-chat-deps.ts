import "server-only";
import type { ChatDeps } from "@/lib/chat/run-chat";
import { getRpc } from "@/lib/db/get-rpc";
import { getEnv } from "@/lib/env";
import { getLlmClient } from "@/lib/llm/client";
import { getMeteringStore } from "@/lib/metering/get-metering-store";

export function getChatDeps(): ChatDeps {
  const env = getEnv();
  return {
    rpc: getRpc(),
    store: getMeteringStore(),
    llm: getLlmClient(),
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    firstTokenTimeoutMs: env.LLM_TIMEOUT_MS,
    streamIdleTimeoutMs: env.LLM_STREAM_IDLE_TIMEOUT_MS,
    maxStreamMs: env.LLM_MAX_STREAM_MS,
  };
}
