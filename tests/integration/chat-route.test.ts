import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { countChatTokens, countTextTokens } from "@/lib/metering/tokenizer";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { getFreePort } from "@/scripts/free-port";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { holdCount, ledgerRows, readEvents, streamedText, waitForLedger } from "./helpers/chat";
import { createTestPool } from "./helpers/db";

const MODEL = "openai/gpt-4o-mini";
let llm: LlmServer;
const db = createTestPool(4);
let POST: (request: Request) => Promise<Response>;
let GET_STATUS: (request: Request) => Promise<Response>;

beforeAll(async () => {
  llm = await startLlmServer({ chunkDelayMs: 0, prices: { [MODEL]: { input: 0.15, output: 0.6 } } });
  // Generous timeouts for the suite: a loaded CI machine must not trip them. Tests of timeouts set their own.
  useAppEnv({ OPENROUTER_BASE_URL: llm.url, LLM_TIMEOUT_MS: "15000", LLM_STREAM_IDLE_TIMEOUT_MS: "10000", RATE_LIMIT_PER_MINUTE: "1000" });
  ({ POST } = await import("@/app/api/chat/route"));
  ({ GET: GET_STATUS } = await import("@/app/api/tokens/current/route"));
});
afterAll(async () => {
  await llm.close();
  await db.end();
});
beforeEach(() => {
  llm.clearFaults();
  llm.clearRequests();
});

async function chat(user: TestUser | undefined, json: unknown, init: { signal?: AbortSignal } = {}) {
  return POST(await appRequest("/api/chat", { method: "POST", user, json, signal: init.signal }));
}

async function status(user: TestUser) {
  const response = await GET_STATUS(await appRequest("/api/tokens/current", { user }));
  expect(response.status).toBe(200);
  return (await response.json()) as { used: number; cap: number; remaining: number; held: number; balance: number; resetsAt: string };
}

async function setCap(userId: string, cap: number) {
  await db.query("select public.admin_set_cap_override($1, $2, 'test')", [userId, cap]);
}

const userSays = (content: string) => [{ role: "user" as const, content }];

/** Calls runChat directly with some dependencies replaced (short timeouts, another upstream), as POST would. */
async function chatWithDeps(
  overrides: Partial<import("@/lib/chat/chat-settings").ChatSettings> & { upstreamUrl?: string },
  user: TestUser,
  json: { model: string; messages: { role: "user" | "assistant" | "system"; content: string }[] },
  signal = new AbortController().signal,
): Promise<Response> {
  const { runChat } = await import("@/lib/chat/run-chat");
  const { getChatSettings } = await import("@/lib/chat/chat-settings");
  const { getStores } = await import("@/lib/api/stores");
  const { errorResponse } = await import("@/lib/api/error-response");
  const OpenAI = (await import("openai")).default;
  const { upstreamUrl, ...rest } = overrides;
  const deps = {
    stores: getStores(),
    ...getChatSettings(),
    ...(upstreamUrl ? { llm: new OpenAI({ baseURL: upstreamUrl, apiKey: "x", maxRetries: 0 }) } : {}),
    ...rest,
  };
  return runChat(deps, user, json, signal).catch(errorResponse);
}

const SHORT_TIMEOUTS = { firstTokenTimeoutMs: 500, streamIdleTimeoutMs: 400 };

describe("POST /api/chat: a full exchange", () => {
  it("streams the reply, then the ledger row equals the upstream's reported usage and the status shows the new total", async () => {
    const user = newTestUser();
    const messages = userSays("Tell me about lighthouses [[reply_tokens:60]]");
    const response = await chat(user, { model: MODEL, messages });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const events = await readEvents(response);
    const deltas = events.filter((e) => e.type === "delta");
    expect(deltas.length).toBeGreaterThan(1);
    const text = streamedText(events);

    const upstream = llm.requests().at(-1)!;
    expect(upstream.sent.text).toBe(text);
    const usage = upstream.usage as { prompt_tokens: number; completion_tokens: number; total_tokens: number; cost: number };
    expect(usage.prompt_tokens).toBe(countChatTokens(messages));
    expect(usage.completion_tokens).toBe(countTextTokens(text));

    const [row] = await ledgerRows(db, user.id);
    expect(row).toMatchObject({
      model: MODEL,
      input_tokens: usage.prompt_tokens,
      output_tokens: usage.completion_tokens,
      total_tokens: usage.total_tokens,
      plan_tokens: usage.total_tokens,
      balance_tokens: 0,
      outcome: "ok",
    });
    expect(row!.cost_usd).toBeCloseTo(usage.cost, 10);
    expect(row!.latency_ms).toBeGreaterThanOrEqual(0);

    const done = events.at(-1)!;
    expect(done).toMatchObject({ type: "done", outcome: "ok", usage: { totalTokens: usage.total_tokens, costUsd: usage.cost } });
    const now = await status(user);
    expect(now).toMatchObject({ used: usage.total_tokens, held: 0, cap: 40_000, remaining: 40_000 - usage.total_tokens });
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("asks the upstream for usage accounting, sends attribution headers and clamps max_tokens to the plan", async () => {
    const user = newTestUser();
    const response = await chat(user, { model: MODEL, messages: userSays("hi"), maxTokens: 50_000 });
    await readEvents(response);
    const sent = llm.requests().at(-1)!;
    expect(sent.body).toMatchObject({ model: MODEL, stream: true, usage: { include: true }, max_tokens: 2048 });
    expect(sent.headers["x-title"]).toBe("Tokenmeter");
    expect(sent.headers["http-referer"]).toBeTruthy();
  });

  it("clamps max_tokens to what remains, so an upstream that honours it cannot overshoot the cap", async () => {
    const user = newTestUser();
    await setCap(user.id, 300);
    const messages = userSays("Write at length [[reply_tokens:2000]]");
    const events = await readEvents(await chat(user, { model: MODEL, messages }));
    const start = events[0] as { type: "start"; maxOutputTokens: number };
    expect(start.maxOutputTokens).toBe(300 - countChatTokens(messages));
    expect(llm.requests().at(-1)!.body).toMatchObject({ max_tokens: start.maxOutputTokens });
    const [row] = await ledgerRows(db, user.id);
    expect(row!.total_tokens).toBe(300);
    expect((await status(user)).remaining).toBe(0);
  });

  it("stores the conversation and continues it", async () => {
    const user = newTestUser();
    const first = await readEvents(await chat(user, { model: MODEL, messages: userSays("First question") }));
    const conversationId = (first[0] as { conversationId: string }).conversationId;
    const reply = streamedText(first);
    await readEvents(
      await chat(user, {
        model: MODEL,
        conversationId,
        messages: [...userSays("First question"), { role: "assistant", content: reply }, ...userSays("Second question")],
      }),
    );
    const { rows } = await db.query("select role, content from public.messages where conversation_id = $1 order by id", [conversationId]);
    expect(rows.map((r) => r.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(rows[0]).toEqual({ role: "user", content: "First question" });
    expect(rows[1]).toEqual({ role: "assistant", content: reply });
  });
});

describe("POST /api/chat: refusals before any upstream call", () => {
  it("401 when signed out", async () => {
    const response = await chat(undefined, { model: MODEL, messages: userSays("hi") });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    expect(llm.requests()).toHaveLength(0);
  });

  it("402 quota_exceeded with used, cap, balance and resetsAt", async () => {
    const user = newTestUser();
    await setCap(user.id, 10);
    const response = await chat(user, { model: MODEL, messages: userSays("hello there") });
    expect(response.status).toBe(402);
    const body = await response.json();
    expect(body).toMatchObject({
      error: { code: "quota_exceeded", details: { used: 0, cap: 10, balance: 0, resetsAt: expect.stringMatching(/T00:00:00.000Z$/) } },
    });
    expect(body.error.message).toMatch(/resets at/);
    expect(llm.requests()).toHaveLength(0);
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("403 model_not_allowed for a model above the plan's tier", async () => {
    const user = newTestUser();
    const response = await chat(user, { model: "openai/gpt-4o", messages: userSays("hi") });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "model_not_allowed" } });
    expect(llm.requests()).toHaveLength(0);
  });

  it.each([
    ["malformed JSON", "{not json", "(body)"],
    ["empty messages", { model: MODEL, messages: [] }, "messages"],
    ["a message without content", { model: MODEL, messages: [{ role: "user", content: "" }] }, "messages.0.content"],
    ["a bad role", { model: MODEL, messages: [{ role: "robot", content: "x" }] }, "messages.0.role"],
    ["no model", { messages: userSays("hi") }, "model"],
    ["an unknown field", { model: MODEL, messages: userSays("hi"), temperature: 2 }, "(body)"],
    ["a conversation id that is not a uuid", { model: MODEL, messages: userSays("hi"), conversationId: "1; drop" }, "conversationId"],
    ["an oversize message", { model: MODEL, messages: userSays("x".repeat(100_001)) }, "messages.0.content"],
    ["a last message that is not the user's", { model: MODEL, messages: [{ role: "assistant", content: "hi" }] }, "messages"],
    ["max tokens below 1", { model: MODEL, messages: userSays("hi"), maxTokens: 0 }, "maxTokens"],
  ])("400 naming the field for %s, with no reservation left", async (_, json, field) => {
    const user = newTestUser();
    const response =
      typeof json === "string"
        ? await POST(await appRequest("/api/chat", { method: "POST", user, body: json, headers: { "content-type": "application/json" } }))
        : await chat(user, json);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe("bad_request");
    const fields = (body.error.details?.fields ?? []).map((f: { field: string }) => f.field);
    if (field === "(body)" && typeof json !== "string") expect(body.error.message).toMatch(/temperature|Unrecognized/i);
    else expect(fields).toContain(field);
    expect(await holdCount(db, user.id)).toBe(0);
    expect(llm.requests()).toHaveLength(0);
  });

  it("400 naming the model for an unknown model, with no reservation left", async () => {
    const user = newTestUser();
    const response = await chat(user, { model: "nobody/no-such-model", messages: userSays("hi") });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "bad_request", details: { fields: [{ field: "model" }] } } });
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("400 naming messages when the prompt does not fit the model's context window", async () => {
    const user = newTestUser();
    await db.query(
      `insert into public.models (id, display_name, tier, context_window, input_price_per_mtok, output_price_per_mtok)
       values ('test/tiny-context', 'Tiny context', 'basic', 40, 0, 0) on conflict (id) do nothing`,
    );
    const response = await chat(user, { model: "test/tiny-context", messages: userSays("word ".repeat(60)) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "bad_request", details: { fields: [{ field: "messages" }] } } });
    expect(llm.requests()).toHaveLength(0);
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("404 for another user's conversation", async () => {
    const owner = newTestUser();
    const first = await readEvents(await chat(owner, { model: MODEL, messages: userSays("mine") }));
    const conversationId = (first[0] as { conversationId: string }).conversationId;
    llm.clearRequests();
    const intruder = newTestUser();
    const response = await chat(intruder, { model: MODEL, messages: userSays("let me in"), conversationId });
    expect(response.status).toBe(404);
    expect(llm.requests()).toHaveLength(0);
    expect(await holdCount(db, intruder.id)).toBe(0);
  });
});

describe("POST /api/chat: upstream fails before the first token", () => {
  it.each([
    ["HTTP 429", { mode: "http_429" as const }, 429, "rate_limited"],
    ["HTTP 500", { mode: "http_500" as const }, 502, "upstream_unavailable"],
    ["HTTP 503", { mode: "http_error" as const, status: 503 }, 502, "upstream_unavailable"],
    ["no answer at all (stall past the first-token timeout)", { mode: "stall" as const }, 502, "upstream_unavailable"],
    ["200, then silence (stall_after 0)", { mode: "stall_after" as const, chunks: 0 }, 502, "upstream_unavailable"],
    ["200, then the connection drops (cut 0)", { mode: "cut" as const, chunks: 0 }, 502, "upstream_unavailable"],
    ["200, then an SSE error event (OpenRouter's provider error)", { mode: "error_after" as const, chunks: 0 }, 502, "upstream_unavailable"],
    ["200, then an SSE rate-limit error event", { mode: "error_after" as const, chunks: 0, code: 429 }, 429, "rate_limited"],
  ])("%s: the hold is released, nothing is charged, a clear error", async (_, fault, httpStatus, code) => {
    const user = newTestUser();
    llm.queueFault(fault);
    const response = await chatWithDeps(SHORT_TIMEOUTS, user, { model: MODEL, messages: userSays("hi") });
    expect(response.status).toBe(httpStatus);
    const body = await response.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(/Nothing was charged/);
    expect(JSON.stringify(body)).not.toMatch(/\(local\)/);
    if (httpStatus === 429) expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await holdCount(db, user.id)).toBe(0);
    expect(await ledgerRows(db, user.id)).toEqual([]);
    expect((await status(user)).used).toBe(0);
  });

  it("a model thinking for longer than the silence timeout is not given up on while OpenRouter's keep-alives arrive", async () => {
    const user = newTestUser();
    llm.queueFault({ mode: "think", ms: 1_200 }); // comments every 100 ms; the silence timeout is 500 ms
    const response = await chatWithDeps(SHORT_TIMEOUTS, user, { model: MODEL, messages: userSays("think hard") });
    expect(response.status).toBe(200);
    const events = await readEvents(response);
    expect(events.at(-1)).toMatchObject({ type: "done", outcome: "ok" });
    expect(await ledgerRows(db, user.id)).toHaveLength(1);
  });

  it("however alive it looks, the wait for a first token ends at the stream's maximum duration: released", async () => {
    const user = newTestUser();
    llm.queueFault({ mode: "think", ms: 5_000 });
    const response = await chatWithDeps({ ...SHORT_TIMEOUTS, maxStreamMs: 1_000 }, user, { model: MODEL, messages: userSays("think forever") });
    expect(response.status).toBe(502);
    expect(await holdCount(db, user.id)).toBe(0);
    expect(await ledgerRows(db, user.id)).toEqual([]);
  });

  it("through POST too: an upstream 500 is a 502 and nothing is held", async () => {
    const user = newTestUser();
    llm.queueFault({ mode: "http_500" });
    const response = await chat(user, { model: MODEL, messages: userSays("hi") });
    expect(response.status).toBe(502);
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("network error (nothing listening): released, 502", async () => {
    const user = newTestUser();
    const response = await chatWithDeps({ upstreamUrl: `http://127.0.0.1:${await getFreePort()}/v1` }, user, { model: MODEL, messages: userSays("hi") });
    expect(response.status).toBe(502);
    expect(await holdCount(db, user.id)).toBe(0);
    expect(await ledgerRows(db, user.id)).toEqual([]);
  });

  it("a browser already gone before the model is called: released, the model is never called", async () => {
    const user = newTestUser();
    const gone = new AbortController();
    gone.abort();
    const response = await chatWithDeps({}, user, { model: MODEL, messages: userSays("hi") }, gone.signal);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(llm.requests()).toHaveLength(0);
    expect(await holdCount(db, user.id)).toBe(0);
    expect(await ledgerRows(db, user.id)).toEqual([]);
  });
});

describe("POST /api/chat: streams that end early", () => {
  it("the upstream cuts the stream: settled as aborted with prompt + streamed tokens counted by the tokenizer", async () => {
    const user = newTestUser();
    const messages = userSays("Tell me a long story [[reply_tokens:400]]");
    llm.queueFault({ mode: "cut", chunks: 3 });
    const events = await readEvents(await chat(user, { model: MODEL, messages }));
    const text = streamedText(events);
    expect(text).toBe(llm.requests().at(-1)!.sent.text);
    expect(events.some((e) => e.type === "error")).toBe(true);
    const [row] = await ledgerRows(db, user.id);
    expect(row).toMatchObject({
      outcome: "aborted",
      input_tokens: countChatTokens(messages),
      output_tokens: countTextTokens(text),
      total_tokens: countChatTokens(messages) + countTextTokens(text),
    });
    // No usage chunk arrived: the cost comes from the catalogue's prices.
    expect(row!.cost_usd).toBeCloseTo((row!.input_tokens * 0.15 + row!.output_tokens * 0.6) / 1e6, 12);
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("the upstream stalls mid-stream: the idle timeout ends it, settled as aborted", async () => {
    const user = newTestUser();
    llm.queueFault({ mode: "stall_after", chunks: 2 });
    const events = await readEvents(await chatWithDeps(SHORT_TIMEOUTS, user, { model: MODEL, messages: userSays("go [[reply_tokens:300]]") }));
    const [row] = await ledgerRows(db, user.id);
    expect(row).toMatchObject({ outcome: "aborted", output_tokens: countTextTokens(streamedText(events)) });
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("the provider reports an error mid-stream: settled as error with the tokens that arrived", async () => {
    const user = newTestUser();
    const messages = userSays("go [[reply_tokens:300]]");
    llm.queueFault({ mode: "error_after", chunks: 3 });
    const events = await readEvents(await chat(user, { model: MODEL, messages }));
    const text = streamedText(events);
    expect(text).toBe(llm.requests().at(-1)!.sent.text);
    const [row] = await ledgerRows(db, user.id);
    expect(row).toMatchObject({ outcome: "error", input_tokens: countChatTokens(messages), output_tokens: countTextTokens(text) });
    expect(events.at(-1)).toMatchObject({ type: "done", outcome: "error" });
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("a stream longer than the maximum duration is ended and settled as aborted, before its hold could lapse", async () => {
    const slow = await startLlmServer({ chunkDelayMs: 20 });
    try {
      const user = newTestUser();
      const messages = userSays("A very long answer please [[reply_tokens:2000]]");
      const response = await chatWithDeps({ upstreamUrl: slow.url, maxStreamMs: 300 }, user, { model: MODEL, messages });
      const events = await readEvents(response);
      const [row] = await waitForLedger(db, user.id, 1);
      expect(row).toMatchObject({ outcome: "aborted", output_tokens: countTextTokens(streamedText(events)) });
      expect(row!.output_tokens).toBeLessThan(2000);
      expect(await holdCount(db, user.id)).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it("the browser aborts mid-stream: settled once with the tokens streamed so far", async () => {
    const slow = await startLlmServer({ chunkDelayMs: 20 });
    try {
      const user = newTestUser();
      const browser = new AbortController();
      const messages = userSays("A very long answer please [[reply_tokens:2000]]");
      const response = await chatWithDeps({ upstreamUrl: slow.url }, user, { model: MODEL, messages }, browser.signal);
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let received = "";
      while (!received.includes('"delta"')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before any delta: ${received}`);
        received += decoder.decode(value, { stream: true });
      }
      browser.abort();
      await reader.cancel();
      const seen = received
        .split("\n")
        .filter((line) => line.includes('"delta"'))
        .map((line) => (JSON.parse(line) as { text: string }).text)
        .join("");
      const [row] = await waitForLedger(db, user.id, 1);
      const sent = slow.requests().at(-1)!;
      expect(row).toMatchObject({ outcome: "aborted", input_tokens: countChatTokens(messages) });
      // Charged for what the relay read: at least what this browser saw, at most what the upstream sent.
      expect(row!.output_tokens).toBeGreaterThanOrEqual(countTextTokens(seen));
      expect(row!.output_tokens).toBeLessThanOrEqual(countTextTokens(sent.sent.text));
      expect(row!.output_tokens).toBeLessThan(2000);
      expect(await holdCount(db, user.id)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await ledgerRows(db, user.id)).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it("a retried settle of an accepted request charges nothing more", async () => {
    const user = newTestUser();
    await readEvents(await chat(user, { model: MODEL, messages: userSays("once") }));
    const [row] = await ledgerRows(db, user.id);
    const before = await status(user);
    for (let i = 0; i < 3; i++) {
      await db.query("select public.settle_tokens($1, $2, $3, 999, 999)", [row!.request_id, user.id, MODEL]);
    }
    expect(await status(user)).toMatchObject({ used: before.used });
    expect(await ledgerRows(db, user.id)).toHaveLength(1);
  });
});

describe("POST /api/chat: concurrency near the cap", () => {
  it("100 concurrent requests from one user: total charged never exceeds the cap; the rest get 402, or 429 quota_held while the others hold the rest", async () => {
    const user = newTestUser();
    const cap = 3_000;
    await setCap(user.id, cap);
    const messages = userSays("Say a lot [[reply_tokens:150]]");
    const responses = await Promise.all(Array.from({ length: 100 }, () => chat(user, { model: MODEL, messages })));
    const statuses = responses.map((r) => r.status);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThan(0);
    // Every refusal is a quota refusal: 402 quota_exceeded, or (since "held is not exhausted") 429
    // quota_held when the request would have fitted without the other requests' holds.
    expect(statuses.filter((s) => s === 402 || s === 429).length).toBe(100 - ok);
    const needed = countChatTokens(messages) + 16;
    statuses.forEach((code, i) => {
      if (code === 200) return;
      const { error } = JSON.parse(bodies[i]!) as { error: { code: string; details: Record<string, number> } };
      if (code === 402) {
        expect(error.code).toBe("quota_exceeded");
      } else {
        expect(error.code).toBe("quota_held");
        expect(responses[i]!.headers.get("retry-after")).toBe("5");
        expect(error.details.held).toBeGreaterThan(0);
        expect(error.details.needed).toBe(needed);
        expect(error.details.remaining).toBeLessThan(needed);
      }
    });
    const rows = await waitForLedger(db, user.id, ok);
    const charged = rows.reduce((sum, r) => sum + r.total_tokens, 0);
    expect(charged).toBeLessThanOrEqual(cap);
    expect(rows.every((r) => r.outcome === "ok")).toBe(true);
    const now = await status(user);
    expect(now.used).toBe(charged);
    expect(now.held).toBe(0);
  });
});

describe("POST /api/chat: rate limit", () => {
  it("429 with Retry-After past the per-minute limit, before reserving", async () => {
    const user = newTestUser();
    const call = () => chatWithDeps({ rateLimitPerMinute: 2 }, user, { model: MODEL, messages: userSays("hi") });
    for (let i = 0; i < 2; i++) await (await call()).text();
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(await ledgerRows(db, user.id)).toHaveLength(2);
    expect(await holdCount(db, user.id)).toBe(0);
  });
});
