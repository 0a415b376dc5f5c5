import "server-only";
import { getEnv } from "@/lib/env";

const CHECK_TIMEOUT_MS = 2000;

/** The LLM upstream's health: GET <base>/models answers 2xx. A short reason when not; never throws. */
export async function checkLlm(): Promise<string | undefined> {
  try {
    const env = getEnv();
    const response = await fetch(`${env.OPENROUTER_BASE_URL.replace(/\/$/, "")}/models`, {
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      headers: env.OPENROUTER_API_KEY ? { Authorization: `Bearer ${env.OPENROUTER_API_KEY}` } : {},
      cache: "no-store",
    });
    await response.body?.cancel();
    if (!response.ok) return `LLM upstream answered ${response.status}`;
    return undefined;
  } catch (error) {
    console.error(`[health] llm: ${describe(error)}`);
    return "LLM upstream unreachable";
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
