import { randomBytes } from "node:crypto";
import type { FinishReason } from "./reply";
import type { Usage } from "./usage";

/** The JSON bodies OpenRouter sends: chat.completion, chat.completion.chunk and the error shape. */

export const PROVIDER = "Local";

export type GenerationMeta = { id: string; model: string; created: number };

/** OpenRouter-style generation id: gen-<unix seconds>-<random>. */
export function createGenerationId(): string {
  return `gen-${Math.floor(Date.now() / 1000)}-${randomBytes(15).toString("base64url")}`;
}

export function buildCompletion(meta: GenerationMeta, text: string, finishReason: FinishReason, usage: Usage) {
  return {
    id: meta.id,
    provider: PROVIDER,
    model: meta.model,
    object: "chat.completion",
    created: meta.created,
    choices: [
      {
        index: 0,
        logprobs: null,
        finish_reason: finishReason,
        native_finish_reason: finishReason,
        message: { role: "assistant", content: text, refusal: null, reasoning: null },
      },
    ],
    usage,
  };
}

export type ChunkDelta = { role?: "assistant"; content?: string };

export function buildChunk(meta: GenerationMeta, delta: ChunkDelta, finishReason: FinishReason | null) {
  return {
    ...chunkEnvelope(meta),
    choices: [{ index: 0, delta, finish_reason: finishReason, native_finish_reason: finishReason, logprobs: null }],
  };
}

export function buildUsageChunk(meta: GenerationMeta, usage: Usage) {
  return { ...chunkEnvelope(meta), choices: [], usage };
}

function chunkEnvelope(meta: GenerationMeta) {
  return { id: meta.id, provider: PROVIDER, model: meta.model, object: "chat.completion.chunk", created: meta.created };
}

export function buildErrorBody(code: number, message: string) {
  return { error: { code, message } };
}
