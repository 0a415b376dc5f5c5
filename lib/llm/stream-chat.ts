import "server-only";
import type OpenAI from "openai";
import { z } from "zod";

/** Usage as OpenRouter reports it in the stream's last chunk (usage accounting requested). */
const usageSchema = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  cost: z.number().min(0).nullish(),
});

export type UpstreamUsage = { promptTokens: number; completionTokens: number; costUsd: number | null };

export type ChatStreamEvent = { type: "delta"; text: string } | { type: "usage"; usage: UpstreamUsage };

export type ChatStreamRequest = {
  model: string;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  maxTokens: number;
  signal: AbortSignal;
};

/**
 * Opens a streamed chat completion. Resolves once the upstream has answered with a stream
 * (so 429/5xx/timeouts reject here, before any token), then yields text deltas and the usage chunk.
 */
export async function openChatStream(client: OpenAI, request: ChatStreamRequest): Promise<AsyncIterable<ChatStreamEvent>> {
  const params = {
    model: request.model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    stream: true as const,
    stream_options: { include_usage: true },
    usage: { include: true }, // OpenRouter: report tokens and cost in the last chunk
  };
  const stream = await client.chat.completions.create(params as OpenAI.Chat.ChatCompletionCreateParamsStreaming, { signal: request.signal });
  return (async function* events() {
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) yield { type: "delta", text };
      const usage = usageSchema.safeParse(chunk.usage);
      if (usage.success) {
        yield {
          type: "usage",
          usage: { promptTokens: usage.data.prompt_tokens, completionTokens: usage.data.completion_tokens, costUsd: usage.data.cost ?? null },
        };
      }
    }
  })();
}
