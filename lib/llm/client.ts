import "server-only";
import OpenAI from "openai";
import { getEnv } from "@/lib/env";

const globalForLlm = globalThis as unknown as { tokenmeterLlm?: OpenAI };

/**
 * The `openai` SDK pointed at OPENROUTER_BASE_URL: OpenRouter in production, the local
 * OpenAI-compatible server offline. Retries are off: a failed call is released and reported,
 * and the user decides whether to try again.
 */
export function getLlmClient(): OpenAI {
  if (!globalForLlm.tokenmeterLlm) {
    const env = getEnv();
    globalForLlm.tokenmeterLlm = new OpenAI({
      baseURL: env.OPENROUTER_BASE_URL,
      apiKey: env.OPENROUTER_API_KEY ?? "local",
      maxRetries: 0,
      timeout: env.LLM_TIMEOUT_MS,
      defaultHeaders: {
        // OpenRouter's app attribution headers.
        "HTTP-Referer": env.OPENROUTER_SITE_URL ?? env.APP_URL,
        "X-Title": env.OPENROUTER_APP_NAME,
      },
    });
  }
  return globalForLlm.tokenmeterLlm;
}
