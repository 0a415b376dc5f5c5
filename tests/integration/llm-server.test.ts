import OpenAI, { BadRequestError } from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { countChatTokens, countTextTokens } from "../../lib/metering/tokenizer";
import { type LlmServer, startLlmServer } from "../../scripts/llm/server";

/** The local OpenAI-compatible server, driven through the openai SDK over real HTTP, as the product uses it. */

type OpenRouterUsage = NonNullable<ChatCompletionChunk["usage"]> & { cost: number; is_byok: boolean };

const PRICED_MODEL = "test/priced-model";
let server: LlmServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startLlmServer({ chunkDelayMs: 0, prices: { [PRICED_MODEL]: { input: 3, output: 15 } } });
  client = new OpenAI({ baseURL: server.url, apiKey: "local", maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => server.clearRequests());

function expectedUsage(messages: { role: string; content: string }[], text: string, price: { input: number; output: number }) {
  const prompt = countChatTokens(messages);
  const completion = countTextTokens(text);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cost: Number(((prompt * price.input + completion * price.output) / 1_000_000).toFixed(10)),
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
    cost_details: { upstream_inference_cost: null },
  };
}

async function streamChat(messages: { role: "system" | "user" | "assistant"; content: string }[], extra: { max_tokens?: number; model?: string } = {}) {
  const stream = await client.chat.completions.create({ model: extra.model ?? "openai/gpt-4o-mini", messages, stream: true, ...extra });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  return { chunks, text, usage: chunks.at(-1)?.usage as OpenRouterUsage | undefined };
}

describe("streaming chat completions", () => {
  it("streams several content chunks, each arriving while the server is still sending", async () => {
    const paced = await startLlmServer({ chunkDelayMs: 2 });
    try {
      const pacedClient = new OpenAI({ baseURL: paced.url, apiKey: "local", maxRetries: 0 });
      const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Tell me about rivers [[reply_tokens:60]]" }];
      const stream = await pacedClient.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true });
      const contents: string[] = [];
      let serverStateAtFirstChunk: { outcome: string; chunksSent: number } | undefined;
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (!content) continue;
        if (contents.length === 0) {
          const entry = paced.requests()[0]!;
          serverStateAtFirstChunk = { outcome: entry.outcome, chunksSent: entry.sent.chunks.length };
        }
        contents.push(content);
      }
      expect(contents.length).toBeGreaterThan(5);
      expect(serverStateAtFirstChunk?.outcome).toBe("streaming");
      expect(serverStateAtFirstChunk?.chunksSent).toBeLessThan(contents.length);
      const entry = paced.requests()[0]!;
      expect(entry.outcome).toBe("completed");
      expect(entry.sent.chunks).toEqual(contents);
    } finally {
      await paced.close();
    }
  });

  it("ends with a usage chunk counted by the app's tokenizer and priced per model", async () => {
    const messages = [
      { role: "system" as const, content: "You are a terse assistant." },
      { role: "user" as const, content: "What is a token?" },
      { role: "assistant" as const, content: "A piece of text." },
      { role: "user" as const, content: "And how many do I have left?" },
    ];
    const { chunks, text, usage } = await streamChat(messages, { model: PRICED_MODEL });

    expect(countTextTokens(text)).toBe(40); // defaultReplyTokens
    expect(text.length).toBeGreaterThan(80); // real words, not one character per token
    expect(usage).toEqual(expectedUsage(messages, text, { input: 3, output: 15 }));
    expect(usage!.cost).toBeGreaterThan(0);

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]?.finish_reason).toBe("stop");
    expect(finish.usage).toBeUndefined();
    expect(chunks.findIndex((chunk) => chunk.usage)).toBe(chunks.length - 1);
  });

  it("prices unlisted models at 0.15 / 0.60 USD per million tokens", async () => {
    const messages = [{ role: "user" as const, content: "Price me. [[reply_tokens:300]]" }];
    const { text, usage } = await streamChat(messages, { model: "anyone/any-model" });
    expect(usage).toEqual(expectedUsage(messages, text, { input: 0.15, output: 0.6 }));
    expect(usage!.cost).toBeCloseTo((usage!.prompt_tokens * 0.15 + 300 * 0.6) / 1e6, 10);
  });

  it("labels every chunk like OpenRouter: one gen- id, model, provider, role on the first delta", async () => {
    const { chunks } = await streamChat([{ role: "user", content: "Hello" }], { model: "meta-llama/llama-3.1-8b-instruct" });
    const ids = new Set(chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^gen-\d+-[\w-]+$/);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: "chat.completion.chunk", model: "meta-llama/llama-3.1-8b-instruct", provider: "Local" });
      expect(chunk.created).toBeTypeOf("number");
    }
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: "assistant" });
    expect(chunks[1]!.choices[0]!.delta.role).toBeUndefined();
  });

  it("sends the OpenRouter wire format: SSE comment first, [DONE] last", async () => {
    const response = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "wire [[reply_tokens:5]]" }], stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const body = await response.text();
    expect(body.startsWith(": OPENROUTER PROCESSING\n\n")).toBe(true);
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    const events = body.split("\n\n").filter((event) => event.startsWith("data: {"));
    expect(events.every((event) => !event.includes("\n"))).toBe(true);
  });

  it("gives the same prompt the same reply and another prompt another reply", async () => {
    const first = await streamChat([{ role: "user", content: "Same question" }]);
    const again = await streamChat([{ role: "user", content: "Same question" }]);
    const other = await streamChat([{ role: "user", content: "Other question" }]);
    expect(again.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });
});

describe("non-streaming chat completions", () => {
  it("returns a chat.completion with the same usage shape", async () => {
    const messages = [{ role: "user" as const, content: "Not streamed, please." }];
    const completion = await client.chat.completions.create({ model: PRICED_MODEL, messages });
    const text = completion.choices[0]!.message.content!;
    expect(completion).toMatchObject({ object: "chat.completion", model: PRICED_MODEL, provider: "Local" });
    expect(completion.id).toMatch(/^gen-/);
    expect(completion.choices[0]).toMatchObject({ index: 0, finish_reason: "stop", message: { role: "assistant" } });
    expect(completion.usage).toEqual(expectedUsage(messages, text, { input: 3, output: 15 }));
    expect(server.requests().at(-1)!.sent.text).toBe(text);
  });
});

describe("max_tokens", () => {
  const long = [{ role: "user" as const, content: "Write at length. [[reply_tokens:500]]" }];

  it.each([false, true])("cuts the reply at max_tokens with finish_reason length (stream: %s)", async (stream) => {
    const { text, usage, finishReason } = stream
      ? await streamChat(long, { max_tokens: 17 }).then((r) => ({ ...r, finishReason: r.chunks.at(-2)!.choices[0]!.finish_reason }))
      : await client.chat.completions
          .create({ model: "m", messages: long, max_tokens: 17 })
          .then((c) => ({ text: c.choices[0]!.message.content!, usage: c.usage!, finishReason: c.choices[0]!.finish_reason }));
    expect(usage!.completion_tokens).toBeLessThanOrEqual(17);
    expect(usage!.completion_tokens).toBe(countTextTokens(text));
    expect(usage!.completion_tokens).toBeGreaterThanOrEqual(15);
    expect(finishReason).toBe("length");
  });

  it("without max_tokens writes the asked length and stops", async () => {
    const { text, usage, chunks } = await streamChat(long);
    expect(usage!.completion_tokens).toBe(countTextTokens(text));
    expect(usage!.completion_tokens).toBeGreaterThanOrEqual(490);
    expect(usage!.completion_tokens).toBeLessThanOrEqual(500);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("a max_tokens above the reply length changes nothing", async () => {
    const { usage, chunks } = await streamChat([{ role: "user", content: "Short. [[reply_tokens:12]]" }], { max_tokens: 100 });
    expect(usage!.completion_tokens).toBe(12);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
  });
});

describe("invalid requests", () => {
  it("answers 400 with the OpenRouter error shape; the SDK throws BadRequestError", async () => {
    const error = await client.chat.completions.create({ model: "m", messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(400);
    expect((error as BadRequestError).error).toEqual({ code: 400, message: expect.stringContaining("messages") });
  });

  it.each([
    ["empty messages", { model: "m", messages: [] }],
    ["no model", { messages: [{ role: "user", content: "hi" }] }],
    ["empty model", { model: "", messages: [{ role: "user", content: "hi" }] }],
    ["unknown role", { model: "m", messages: [{ role: "robot", content: "hi" }] }],
    ["non-string content", { model: "m", messages: [{ role: "user", content: 3 }] }],
    ["zero max_tokens", { model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 0 }],
    ["stream not a boolean", { model: "m", messages: [{ role: "user", content: "hi" }], stream: "yes" }],
  ])("rejects %s", async (_name, body) => {
    const response = await fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 400, message: expect.any(String) } });
    expect(server.requests().at(-1)).toMatchObject({ status: 400, outcome: "rejected", body });
  });

  it("rejects a body that is not JSON", async () => {
    const response = await fetch(`${server.url}/chat/completions`, { method: "POST", body: "{not json" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 400, message: "Invalid JSON in request body" } });
  });

  it("accepts and ignores unknown fields and sampling options", async () => {
    const completion = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.2,
      top_p: 0.9,
      // @ts-expect-error OpenRouter-only field, not in the SDK's types
      provider: { sort: "price" },
    });
    expect(completion.usage?.completion_tokens).toBe(40);
  });
});

describe("request log", () => {
  it("records headers and body as received, readable in-process and over HTTP", async () => {
    const withHeaders = new OpenAI({
      baseURL: server.url,
      apiKey: "sk-local-test",
      maxRetries: 0,
      defaultHeaders: { "HTTP-Referer": "http://localhost:3000", "X-Title": "Tokenmeter" },
    });
    const params: ChatCompletionCreateParamsNonStreaming & { usage: { include: boolean } } = {
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "Log me" }],
      usage: { include: true },
    };
    await withHeaders.chat.completions.create(params);

    const [entry] = server.requests();
    expect(entry).toMatchObject({ method: "POST", path: "/v1/chat/completions", status: 200, outcome: "completed", fault: null });
    expect(entry!.headers).toMatchObject({
      "http-referer": "http://localhost:3000",
      "x-title": "Tokenmeter",
      authorization: "Bearer sk-local-test",
      "content-type": "application/json",
    });
    expect(entry!.body).toEqual(params);

    const overHttp = await fetch(`${serverOrigin()}/__control/requests`).then((r) => r.json());
    expect(overHttp).toEqual({ data: server.requests() });

    expect((await fetch(`${serverOrigin()}/__control/requests`, { method: "DELETE" })).status).toBe(204);
    expect(server.requests()).toEqual([]);
  });

  it("keeps only the last 200 requests", async () => {
    // Rejected requests are recorded too, and are the cheapest to send.
    const send = (label: string) => fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ label }) });
    for (let i = 0; i < 5; i += 1) await send(`oldest ${i}`);
    for (let batch = 0; batch < 4; batch += 1) await Promise.all(Array.from({ length: 50 }, (_, i) => send(`newer ${batch * 50 + i}`)));
    const labels = server.requests().map((entry) => (entry.body as { label: string }).label);
    expect(labels).toHaveLength(200);
    expect(labels.filter((label) => label.startsWith("oldest"))).toEqual([]);
  });
});

describe("other routes", () => {
  it("GET /health", async () => {
    expect(await fetch(`${serverOrigin()}/health`).then((r) => r.json())).toEqual({ status: "ok" });
  });

  it("GET /v1/models lists models with per-token prices, the SDK can read it", async () => {
    const models = await fetch(`${server.url}/models`).then((r) => r.json());
    expect(models.data).toContainEqual({
      id: "openai/gpt-4o-mini",
      name: expect.any(String),
      context_length: expect.any(Number),
      pricing: { prompt: "0.00000015", completion: "0.0000006" },
    });
    expect(models.data).toContainEqual(expect.objectContaining({ id: PRICED_MODEL, pricing: { prompt: "0.000003", completion: "0.000015" } }));
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("openai/gpt-4o-mini");
  });

  it("answers 404 in the error shape for unknown paths", async () => {
    const response = await fetch(`${server.url}/embeddings`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 404, message: expect.any(String) } });
  });
});

function serverOrigin(): string {
  return server.url.replace(/\/v1$/, "");
}
