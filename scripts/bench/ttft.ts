import OpenAI from "openai";
import { summarize, type Summary } from "./stats";

/**
 * Time to first token: from sending a chat request until its first text delta arrives, measured
 * the same way for each path. The paths take turns within every iteration (in rotating order), so
 * drift on the machine affects them alike.
 */

export type TtftProbe = (iteration: number) => Promise<number>;

export type TtftBounds = { iterations: number; warmup: number; maxMs: number };

export type TtftResult = { path: string; ttft: Summary; errors: number; firstError?: string };

const PROMPT = "Benchmark: tell me something short about lighthouses [[reply_tokens:24]]";
const MESSAGES = [{ role: "user" as const, content: PROMPT }];
const MAX_OUTPUT_TOKENS = 2048; // what the chat route asks for on the free plan (its per-request limit)

export async function benchTtft(probes: Record<string, TtftProbe>, bounds: TtftBounds): Promise<TtftResult[]> {
  const names = Object.keys(probes);
  const samples = new Map(names.map((name) => [name, [] as number[]]));
  const errors = new Map(names.map((name) => [name, { count: 0, first: undefined as string | undefined }]));
  const deadline = performance.now() + bounds.maxMs;
  for (let i = 0; i < bounds.warmup + bounds.iterations && performance.now() < deadline; i += 1) {
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(i + k) % names.length]!;
      try {
        const ms = await probes[name]!(i);
        if (i >= bounds.warmup) samples.get(name)!.push(ms);
      } catch (error) {
        const record = errors.get(name)!;
        record.count += 1;
        record.first ??= error instanceof Error ? error.message : String(error);
      }
    }
  }
  return names.map((name) => {
    const error = errors.get(name)!;
    return { path: name, ttft: summarize(samples.get(name)!), errors: error.count, ...(error.first ? { firstError: error.first } : {}) };
  });
}

/** The local LLM server called directly with the openai SDK, with the parameters the app sends. */
export function directProbe(baseURL: string): TtftProbe {
  const client = new OpenAI({ baseURL, apiKey: "local", maxRetries: 0, timeout: 10_000 });
  return async () => {
    const startedAt = performance.now();
    const params = {
      model: "openai/gpt-4o-mini",
      messages: MESSAGES,
      max_tokens: MAX_OUTPUT_TOKENS,
      stream: true as const,
      stream_options: { include_usage: true },
      usage: { include: true },
    };
    const stream = await client.chat.completions.create(params as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
    let ttft: number | undefined;
    for await (const chunk of stream) {
      if (ttft === undefined && chunk.choices[0]?.delta?.content) ttft = performance.now() - startedAt;
    }
    if (ttft === undefined) throw new Error("direct: the stream ended without a text delta");
    return ttft;
  };
}

export type BenchUser = { id: string; name: string };

/**
 * POST /api/chat: `send` is the route handler called in-process, or fetch against a running server.
 * `cookies` are the users' session cookies (benchSessionCookies); each request carries the app's own
 * `Origin`, as a browser's fetch does (the route wrapper refuses a cookie-authenticated write without one).
 */
export function chatRouteProbe(send: (request: Request) => Promise<Response>, cookies: string[], origin: string): TtftProbe {
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: MESSAGES });
  return async (iteration) => {
    const startedAt = performance.now();
    const request = new Request(new URL("/api/chat", origin), {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookies[iteration % cookies.length]!, origin: new URL(origin).origin },
      body,
    });
    const response = await send(request);
    if (response.status !== 200 || !response.body) throw new Error(`POST /api/chat answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return await readUntilDone(response.body, startedAt);
  };
}

/** Reads the NDJSON body to its end; returns the time of the first delta event. Throws unless it ends with `done` / ok. */
async function readUntilDone(body: ReadableStream<Uint8Array>, startedAt: number): Promise<number> {
  const decoder = new TextDecoder();
  let buffer = "";
  let ttft: number | undefined;
  let last: { type?: string; outcome?: string } = {};
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      last = JSON.parse(line) as typeof last;
      if (ttft === undefined && last.type === "delta") ttft = performance.now() - startedAt;
    }
  }
  if (ttft === undefined) throw new Error("POST /api/chat: the stream ended without a delta event");
  if (last.type !== "done" || last.outcome !== "ok") throw new Error(`POST /api/chat ended with ${JSON.stringify(last).slice(0, 200)}`);
  return ttft;
}
