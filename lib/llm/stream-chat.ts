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

export type ChatStreamEvent =
  | { type: "delta"; text: string }
  /** Reasoning text (thinking models): billed as output, not shown. */
  | { type: "reasoning"; text: string }
  | { type: "usage"; usage: UpstreamUsage }
  /** Any other chunk (role-only, empty, keep-alive): proof the stream is alive. */
  | { type: "tick" };

export type ChatStreamRequest = {
  model: string;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  maxTokens: number;
  signal: AbortSignal;
  /** How long the upstream may stay silent before its first token (no headers, no keep-alive). */
  firstTokenTimeoutMs: number;
  /** The longest wait for a first token however alive the upstream looks (a model thinking). */
  maxWaitMs: number;
};

export type ChatStream = {
  events: AsyncIterable<ChatStreamEvent>;
  /** Called on every byte the upstream sends, keep-alive comments included (the SDK drops those). */
  onActivity: (listener: () => void) => void;
};

export class NoFirstTokenError extends Error {
  /** True when the stream ended (rather than timed out) before any token. */
  readonly emptyStream: boolean;
  constructor(message: string, options: { cause?: unknown; emptyStream?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = "NoFirstTokenError";
    this.emptyStream = options.emptyStream ?? false;
  }
}

/**
 * Opens a streamed chat completion and waits for its first token (text, reasoning or usage).
 * OpenRouter answers 200 at once and may then fail or stay silent, so "the upstream failed before
 * any token" is only known here: every such failure rejects (and the caller releases the hold).
 * While a model thinks, OpenRouter sends only keep-alive comments: those count as signs of life,
 * up to `maxWaitMs` in all. After that it yields each chunk's events; the caller meters what arrives.
 */
export async function openChatStream(client: OpenAI, request: ChatStreamRequest): Promise<ChatStream> {
  let activity: () => void = () => {};
  const watched = client.withOptions({ fetch: watchBytes(() => activity()) });
  const firstToken = new AbortController();
  let silence: NodeJS.Timeout | undefined;
  const armSilence = () => {
    clearTimeout(silence);
    silence = setTimeout(
      () => firstToken.abort(new NoFirstTokenError(`the upstream was silent for ${request.firstTokenTimeoutMs} ms`)),
      request.firstTokenTimeoutMs,
    );
  };
  const overall = setTimeout(() => firstToken.abort(new NoFirstTokenError(`no token within ${request.maxWaitMs} ms`)), request.maxWaitMs);
  activity = armSilence;
  armSilence();
  const signal = AbortSignal.any([request.signal, firstToken.signal]);
  const params = {
    model: request.model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    stream: true as const,
    stream_options: { include_usage: true },
    usage: { include: true }, // OpenRouter: report tokens and cost in the last chunk
  };
  const pending: ChatStreamEvent[] = [];
  let iterator: AsyncIterator<OpenAI.Chat.ChatCompletionChunk>;
  try {
    const stream = await watched.chat.completions.create(params as OpenAI.Chat.ChatCompletionCreateParamsStreaming, { signal });
    iterator = stream[Symbol.asyncIterator]();
    while (pending.length === 0) {
      const next = await iterator.next();
      if (signal.aborted) throw signal.reason;
      if (next.done) throw new NoFirstTokenError("the stream ended before its first token", { emptyStream: true });
      pending.push(...toEvents(next.value).filter((event) => event.type !== "tick"));
    }
  } catch (error) {
    throw firstToken.signal.aborted && !request.signal.aborted ? firstToken.signal.reason : error;
  } finally {
    clearTimeout(silence);
    clearTimeout(overall);
    activity = () => {};
  }

  const events = (async function* events() {
    yield* pending;
    for (;;) {
      const next = await iterator.next();
      // The SDK ends an aborted stream quietly; an abort must not look like a normal end.
      if (request.signal.aborted) throw request.signal.reason;
      if (next.done) return;
      yield* toEvents(next.value);
    }
  })();
  return { events, onActivity: (listener) => void (activity = listener) };
}

/** A fetch that reports every chunk of the response body as it arrives, then passes it on unchanged. */
function watchBytes(onBytes: () => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    onBytes();
    if (!response.body) return response;
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          onBytes();
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function toEvents(chunk: OpenAI.Chat.ChatCompletionChunk): ChatStreamEvent[] {
  const events: ChatStreamEvent[] = [];
  const delta = chunk.choices?.[0]?.delta as { content?: string | null; reasoning?: string | null } | undefined;
  if (delta?.reasoning) events.push({ type: "reasoning", text: delta.reasoning });
  if (delta?.content) events.push({ type: "delta", text: delta.content });
  const usage = usageSchema.safeParse(chunk.usage);
  if (usage.success) {
    events.push({
      type: "usage",
      usage: { promptTokens: usage.data.prompt_tokens, completionTokens: usage.data.completion_tokens, costUsd: usage.data.cost ?? null },
    });
  }
  return events.length ? events : [{ type: "tick" }];
}
