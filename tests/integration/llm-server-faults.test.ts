import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, BadRequestError, InternalServerError, RateLimitError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LlmServer, type RecordedRequest, startLlmServer } from "../../scripts/llm/server";

/** Failure modes a test can order from the local LLM server, seen through the openai SDK. */

let server: LlmServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startLlmServer({ chunkDelayMs: 1 });
  client = new OpenAI({ baseURL: server.url, apiKey: "local", maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearRequests();
  server.clearFaults();
});

const ask = (content: string) => client.chat.completions.create({ model: "m", messages: [{ role: "user", content }] });

/** Reads a stream to its end or its error; `abortAfterQuietMs` aborts once no chunk came for that long. */
async function readStream(content: string, abortAfterQuietMs?: number) {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model: "m", messages: [{ role: "user", content }], stream: true },
    { signal: controller.signal },
  );
  const chunks: ChatCompletionChunk[] = [];
  let timer: NodeJS.Timeout | undefined;
  const armAbort = () => {
    clearTimeout(timer);
    if (abortAfterQuietMs !== undefined) timer = setTimeout(() => controller.abort(), abortAfterQuietMs);
  };
  let error: unknown;
  armAbort();
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      armAbort();
    }
  } catch (caught) {
    error = caught;
  } finally {
    clearTimeout(timer);
  }
  const contents = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").filter((text) => text !== "");
  return { chunks, contents, text: contents.join(""), error, aborted: controller.signal.aborted, hasUsage: chunks.some((chunk) => chunk.usage) };
}

async function waitForEntry(predicate: (entry: RecordedRequest) => boolean, timeoutMs = 2000): Promise<RecordedRequest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = server.requests().find(predicate);
    if (entry) return entry;
    if (Date.now() > deadline) throw new Error(`no matching request in ${JSON.stringify(server.requests())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("HTTP errors", () => {
  it("429: the SDK throws RateLimitError with Retry-After and the error body", async () => {
    const error = await ask("Hello [[fault:429]]").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).headers.get("retry-after")).toBe("1");
    expect((error as RateLimitError).error).toEqual({ code: 429, message: "Rate limit exceeded (local)" });
    expect(server.requests()[0]).toMatchObject({ status: 429, outcome: "failed", fault: { mode: "http_429" }, usage: null });
  });

  it("500: the SDK throws InternalServerError", async () => {
    const error = await ask("Hello [[fault:500]]").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(500);
    expect((error as InternalServerError).error).toEqual({ code: 500, message: "Internal error (local)" });
  });

  it("any 5xx, by marker or queued", async () => {
    server.queueFault({ mode: "http_error", status: 502 });
    const queued = await ask("Hello").catch((e: unknown) => e);
    const marked = await ask("Hello [[fault:503]]").catch((e: unknown) => e);
    expect(queued).toBeInstanceOf(InternalServerError);
    expect((queued as InternalServerError).status).toBe(502);
    expect(marked).toBeInstanceOf(InternalServerError);
    expect((marked as InternalServerError).status).toBe(503);
  });

  it("a streamed request gets the error status before any stream starts", async () => {
    const error = await readStream("Hello [[fault:429]]").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
  });

  it("rejects an unknown fault marker with 400 rather than ignoring a typo", async () => {
    const error = await ask("Hello [[fault:stal]]").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
  });
});

describe("fault queue", () => {
  it("queued faults are consumed once each, in order, then requests succeed", async () => {
    server.queueFault({ mode: "http_429" }, { mode: "http_500" });
    expect(server.pendingFaults()).toEqual([{ mode: "http_429" }, { mode: "http_500" }]);
    await expect(ask("one")).rejects.toBeInstanceOf(RateLimitError);
    await expect(ask("two")).rejects.toBeInstanceOf(InternalServerError);
    const third = await ask("three");
    expect(third.usage?.completion_tokens).toBe(40);
    expect(server.pendingFaults()).toEqual([]);
  });

  it("a marker applies to its own request and leaves the queue alone", async () => {
    server.queueFault({ mode: "http_500" });
    await expect(ask("marked [[fault:429]]")).rejects.toBeInstanceOf(RateLimitError);
    await expect(ask("next")).rejects.toBeInstanceOf(InternalServerError);
    await expect(ask("then fine")).resolves.toMatchObject({ object: "chat.completion" });
  });

  it("an invalid request does not consume a queued fault", async () => {
    server.queueFault({ mode: "http_429" });
    await expect(client.chat.completions.create({ model: "m", messages: [] })).rejects.toBeInstanceOf(BadRequestError);
    await expect(ask("now")).rejects.toBeInstanceOf(RateLimitError);
  });

  it("can be driven over HTTP: POST, GET, DELETE /__control/faults", async () => {
    const origin = server.url.replace(/\/v1$/, "");
    const post = (body: unknown) => fetch(`${origin}/__control/faults`, { method: "POST", body: JSON.stringify(body) });

    const queued = await post({ faults: [{ mode: "http_429" }, { mode: "cut", chunks: 2 }] });
    expect(queued.status).toBe(200);
    expect(await queued.json()).toEqual({ faults: [{ mode: "http_429" }, { mode: "cut", chunks: 2 }] });
    expect(await fetch(`${origin}/__control/faults`).then((r) => r.json())).toEqual({ faults: [{ mode: "http_429" }, { mode: "cut", chunks: 2 }] });
    await expect(ask("first")).rejects.toBeInstanceOf(RateLimitError);

    expect((await fetch(`${origin}/__control/faults`, { method: "DELETE" })).status).toBe(204);
    expect(server.pendingFaults()).toEqual([]);
    await expect(ask("second")).resolves.toMatchObject({ object: "chat.completion" });

    const invalid = await post({ faults: [{ mode: "explode" }] });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: { code: 400, message: expect.any(String) } });
    expect((await post({ faults: [{ mode: "cut" }] })).status).toBe(400);
  });
});

describe("cut", () => {
  it("after N chunks the stream breaks: no finish, no usage, exactly the first N chunks received", async () => {
    const prompt = "Tell me a story about a harbour.";
    const full = await readStream(prompt);
    expect(full.contents.length).toBeGreaterThan(5);

    server.queueFault({ mode: "cut", chunks: 3 });
    const cut = await readStream(prompt);
    expect(cut.error).toBeDefined(); // the SDK surfaces the dropped connection
    expect(cut.hasUsage).toBe(false);
    expect(cut.chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
    expect(cut.contents).toEqual(full.contents.slice(0, 3));

    const entry = server.requests().at(-1)!;
    expect(entry).toMatchObject({ outcome: "cut", status: 200, usage: null, finishReason: null, fault: { mode: "cut", chunks: 3 } });
    expect(entry.sent.text).toBe(cut.text);
    expect(entry.sent.completionTokens).toBeGreaterThan(0);
  });

  it("works by marker too, and cut:0 sends headers but no content", async () => {
    const three = await readStream("Story [[fault:cut:3]]");
    expect(three.contents).toHaveLength(3);
    expect(three.hasUsage).toBe(false);
    expect(server.requests().at(-1)!.sent.chunks).toEqual(three.contents);

    const none = await readStream("Story [[fault:cut:0]]");
    expect(none.contents).toEqual([]);
    expect(none.error).toBeDefined();
  });

  it("a non-streamed request loses its connection: APIConnectionError", async () => {
    await expect(ask("Story [[fault:cut:2]]")).rejects.toBeInstanceOf(APIConnectionError);
    expect(server.requests()[0]).toMatchObject({ outcome: "cut", status: null, sent: { chunks: [], text: "", completionTokens: 0 } });
  });
});

describe("error_after (an SSE error event mid-stream, as OpenRouter reports provider failures)", () => {
  it("N chunks, then `data: {error}`: the SDK throws an APIError carrying the code; no usage", async () => {
    server.queueFault({ mode: "error_after", chunks: 2, code: 429 });
    const result = await readStream("Story please");
    expect(result.contents).toHaveLength(2);
    expect(result.hasUsage).toBe(false);
    expect(result.error).toBeInstanceOf(OpenAI.APIError);
    expect((result.error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 429 });
    expect(server.requests().at(-1)).toMatchObject({ outcome: "failed", status: 200, usage: null });
  });

  it("by marker, before any content (error_after:0), defaulting to code 502", async () => {
    const result = await readStream("Story [[fault:error_after:0]]");
    expect(result.contents).toEqual([]);
    expect((result.error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 502 });
  });

  it("a non-streamed request gets the code as its HTTP status", async () => {
    await expect(ask("Story [[fault:error_after:1]]")).rejects.toMatchObject({ status: 502 });
  });
});

describe("think (keep-alive comments before the reply)", () => {
  it("sends only SSE comments for the given time, then the full reply with usage", async () => {
    const started = Date.now();
    const result = await readStream("Ponder [[fault:think:300]]");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(result.error).toBeUndefined();
    expect(result.hasUsage).toBe(true);
    expect(result.contents.length).toBeGreaterThan(0);
  });
});

describe("stall", () => {
  it("never answers: the SDK's timeout fires and the server sees the client go", async () => {
    const started = Date.now();
    const error = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "Hello [[fault:stall]]" }] }, { timeout: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
    const entry = await waitForEntry((e) => e.disconnected);
    expect(entry).toMatchObject({ outcome: "stalled", status: null, sent: { chunks: [] } });
  });

  it("an AbortController aborts a stalled streamed request", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "Hello [[fault:stall]]" }], stream: true }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIUserAbortError);
    await waitForEntry((e) => e.disconnected);
  });

  it("stall_after N: N chunks arrive, then silence until the consumer aborts", async () => {
    server.queueFault({ mode: "stall_after", chunks: 2 });
    const started = Date.now();
    const result = await readStream("Hello", 150);
    expect(result.aborted).toBe(true);
    expect(result.contents).toHaveLength(2);
    expect(result.hasUsage).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    const entry = await waitForEntry((e) => e.disconnected);
    expect(entry).toMatchObject({ outcome: "stalled", status: 200, usage: null });
    expect(entry.sent.chunks).toEqual(result.contents);
  });

  it("stall_after works by marker too", async () => {
    const result = await readStream("Hello [[fault:stall_after:4]]", 150);
    expect(result.contents).toHaveLength(4);
    expect(result.aborted).toBe(true);
  });

  // Note: the SDK's `timeout` only covers the wait for response headers; a stream that stalls
  // after its headers (stall_after) hangs until the consumer aborts it itself.
  it.each(["[[fault:stall]]", "[[fault:stall_after:2]]"])("a consumer that gives up frees the server's side too (%s)", async (marker) => {
    const controller = new AbortController();
    const consumed = client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: marker }], stream: true }, { signal: controller.signal })
      .then(async (stream) => {
        for await (const chunk of stream) void chunk;
      })
      .catch((e: unknown) => e);
    await waitForEntry((e) => e.outcome === "stalled");
    expect(server.inFlightRequests()).toBe(1);
    controller.abort();
    await consumed;
    await waitForEntry((e) => e.disconnected);
    expect(server.inFlightRequests()).toBe(0);
  });
});

describe("a consumer that stops reading", () => {
  it("is recorded as aborted, with the text actually sent (what a settlement would charge)", async () => {
    const stream = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "A long one [[reply_tokens:400]]" }],
      stream: true,
    });
    const received: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) received.push(content);
      if (received.length === 3) break; // the SDK aborts the request
    }
    const entry = await waitForEntry((e) => e.outcome === "aborted");
    expect(entry).toMatchObject({ disconnected: true, usage: null, finishReason: null, status: 200 });
    expect(entry.sent.chunks.slice(0, 3)).toEqual(received);
    expect(entry.sent.chunks.length).toBeLessThan(150); // stopped well before the 400-token end
    expect(entry.sent.completionTokens).toBeGreaterThan(0);
  });
});

describe("close()", () => {
  it("resolves promptly with stalled requests and streams still open, failing them on the client", async () => {
    const own = await startLlmServer({ chunkDelayMs: 0 });
    const ownClient = new OpenAI({ baseURL: own.url, apiKey: "local", maxRetries: 0 });
    const stalled = ownClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "[[fault:stall]]" }] }).catch((e: unknown) => e);
    const stream = await ownClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "[[fault:stall_after:1]]" }], stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // the one chunk; then the stream stalls
    const pending = iterator.next().catch((e: unknown) => e);
    await waitForOwn(own, 2);

    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await stalled).toBeInstanceOf(APIConnectionError);
    expect(await pending).toBeInstanceOf(Error);
    expect(own.openConnections()).toBe(0);
    await own.close(); // idempotent
  });
});

async function waitForOwn(own: LlmServer, count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (own.requests().filter((entry) => entry.outcome === "stalled").length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
