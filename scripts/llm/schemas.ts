import { z } from "zod";

/**
 * Request bodies the local LLM server accepts, validated at the HTTP boundary.
 * Loose objects: unknown fields (temperature, top_p, provider, ...) are allowed and ignored, as OpenRouter does.
 */

export const chatMessageSchema = z.looseObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

export const chatRequestSchema = z.looseObject({
  model: z.string().trim().min(1),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  usage: z.looseObject({ include: z.boolean().optional() }).optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;

const chunkCount = z.number().int().min(0);

export const faultSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("http_429"), retryAfterSeconds: z.number().int().min(0).optional() }),
  z.object({ mode: z.literal("http_500") }),
  z.object({ mode: z.literal("http_error"), status: z.number().int().min(500).max(599) }),
  z.object({ mode: z.literal("stall") }),
  z.object({ mode: z.literal("stall_after"), chunks: chunkCount }),
  z.object({ mode: z.literal("cut"), chunks: chunkCount }),
  /** A model thinking silently: OpenRouter's keep-alive comment every 100 ms for `ms`, then the reply. */
  z.object({ mode: z.literal("think"), ms: z.number().int().min(0).max(600_000) }),
  /** OpenRouter's mid-stream failure: an SSE `data: {"error": …}` event after N content chunks, then the end. */
  z.object({ mode: z.literal("error_after"), chunks: chunkCount, code: z.number().int().min(400).max(599).optional() }),
]);

export type Fault = z.infer<typeof faultSchema>;

export const queueFaultsRequestSchema = z.object({ faults: z.array(faultSchema).min(1) });

/** One line per zod issue, "path: message", for the 400 body. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "(body)"}: ${issue.message}`).join("; ");
}
