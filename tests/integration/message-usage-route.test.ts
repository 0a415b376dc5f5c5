import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatEvent } from "@/lib/client/chat-events";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { ledgerRows, readEvents, type LedgerRow } from "./helpers/chat";
import { createTestPool } from "./helpers/db";
import { newRequestId } from "./helpers/metering";

/**
 * Tokens per message in a reopened conversation: after a chat through POST /api/chat, GET
 * /api/conversations/:id gives the assistant message the usage its request was charged (the ledger
 * row) — the figures the `done` event reported.
 */

const MODEL = "openai/gpt-4o-mini";
let llm: LlmServer;
const db = createTestPool(2);
let chatRoute: typeof import("@/app/api/chat/route");
let itemRoute: typeof import("@/app/api/conversations/[id]/route");

beforeAll(async () => {
  llm = await startLlmServer({ chunkDelayMs: 0, prices: { [MODEL]: { input: 0.15, output: 0.6 } } });
  useAppEnv({ OPENROUTER_BASE_URL: llm.url, LLM_TIMEOUT_MS: "15000", LLM_STREAM_IDLE_TIMEOUT_MS: "10000", RATE_LIMIT_PER_MINUTE: "1000" });
  chatRoute = await import("@/app/api/chat/route");
  itemRoute = await import("@/app/api/conversations/[id]/route");
});
afterAll(async () => {
  await llm.close();
  await db.end();
  const app = globalThis as { tokenmeterPool?: { end(): Promise<void> }; tokenmeterRpc?: unknown };
  await app.tokenmeterPool?.end();
  delete app.tokenmeterPool;
  delete app.tokenmeterRpc;
});
beforeEach(() => {
  llm.clearFaults();
  llm.clearRequests();
});

type Done = Extract<ChatEvent, { type: "done" }>;
type Usage = { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number | null; outcome: string };
type Message = { id: number; role: string; content: string; requestId: string | null; usage: Usage | null };

async function chat(user: TestUser, content: string, conversationId?: string) {
  const response = await chatRoute.POST(
    await appRequest("/api/chat", { method: "POST", user, json: { model: MODEL, messages: [{ role: "user", content }], ...(conversationId ? { conversationId } : {}) } }),
  );
  expect(response.status).toBe(200);
  const requestId = response.headers.get("x-metering-request-id")!;
  const events = await readEvents(response);
  const done = events.at(-1) as Done;
  expect(done.type).toBe("done");
  return { requestId, done, conversationId: done.conversationId };
}

async function reopen(user: TestUser, id: string): Promise<{ messages: Message[] }> {
  const response = await itemRoute.GET(await appRequest(`/api/conversations/${id}`, { user }), { params: Promise.resolve({ id }) });
  expect(response.status).toBe(200);
  return response.json();
}

const usageOf = (row: LedgerRow): Usage => ({
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  totalTokens: row.total_tokens,
  costUsd: row.cost_usd,
  outcome: row.outcome,
});

describe("GET /api/conversations/:id: usage per message", () => {
  it("each assistant message carries its request's ledger row, equal to what the done event reported; user messages null", async () => {
    const user = newTestUser();
    const first = await chat(user, "Tell me about lighthouses [[reply_tokens:60]]");
    const second = await chat(user, "And about harbours [[reply_tokens:25]]", first.conversationId);
    const rows = await ledgerRows(db, user.id);
    expect(rows.map((r) => r.request_id)).toEqual([first.requestId, second.requestId]);

    const { messages } = await reopen(user, first.conversationId);
    expect(messages.map((m) => [m.role, m.requestId])).toEqual([
      ["user", first.requestId],
      ["assistant", first.requestId],
      ["user", second.requestId],
      ["assistant", second.requestId],
    ]);
    expect(messages.filter((m) => m.role === "user").map((m) => m.usage)).toEqual([null, null]);
    for (const [message, row, done] of [
      [messages[1]!, rows[0]!, first.done],
      [messages[3]!, rows[1]!, second.done],
    ] as const) {
      expect(message.usage).toEqual(usageOf(row));
      expect(message.usage).toEqual({ ...done.usage, outcome: done.outcome });
      expect(message.usage!.outcome).toBe("ok");
      expect(message.usage!.costUsd).toBeGreaterThan(0);
    }
  });

  it("a reply cut off upstream shows what was charged: outcome aborted, the done event's tokens, the ledger's cost", async () => {
    const user = newTestUser();
    llm.queueFault({ mode: "cut", chunks: 3 });
    const cut = await chat(user, "Tell me a long story [[reply_tokens:400]]");
    expect(cut.done.outcome).toBe("aborted");
    const [row] = await ledgerRows(db, user.id);
    const { messages } = await reopen(user, cut.conversationId);
    const assistant = messages.find((m) => m.role === "assistant")!;
    expect(assistant.usage).toEqual(usageOf(row!));
    expect(assistant.usage).toMatchObject({ ...cut.done.usage, costUsd: row!.cost_usd, outcome: "aborted" });
    // The provider reported no cost for the cut stream; the ledger priced it from the catalogue.
    expect(cut.done.usage.costUsd).toBeNull();
    expect(assistant.usage!.costUsd).toBeGreaterThan(0);
  });

  it("an assistant message whose request has no ledger row yet shows null", async () => {
    const user = newTestUser();
    const id = randomUUID();
    await db.query("select public.save_chat_exchange($1, $2, 'Unsettled', $3, 'hello', 'hi there', $4)", [user.id, id, MODEL, newRequestId()]);
    const { messages } = await reopen(user, id);
    expect(messages.map((m) => [m.role, m.usage])).toEqual([
      ["user", null],
      ["assistant", null],
    ]);
  });

  it("deleting the conversation never deletes or changes its ledger rows", async () => {
    const user = newTestUser();
    const { conversationId } = await chat(user, "Something to forget [[reply_tokens:20]]");
    const before = await ledgerRows(db, user.id);
    expect(before).toHaveLength(1);
    const response = await itemRoute.DELETE(await appRequest(`/api/conversations/${conversationId}`, { method: "DELETE", user }), {
      params: Promise.resolve({ id: conversationId }),
    });
    expect(response.status).toBe(204);
    expect(await ledgerRows(db, user.id)).toEqual(before);
  });
});

describe("the done event's status carries the alerts its settle recorded", () => {
  it("a chat that takes usage past 80% of the cap reports the crossing", async () => {
    const user = newTestUser();
    await db.query("select public.admin_set_cap_override($1, 1000, 'test')", [user.id]);
    await db.query("select public.settle_tokens($1, $2, $3, 790, 0)", [newRequestId(), user.id, MODEL]);
    const { done } = await chat(user, "Push me over [[reply_tokens:30]]");
    expect(done.status).toMatchObject({ cap: 1000, alerts: [{ threshold: 80 }] });
    expect(done.status!.used).toBeGreaterThanOrEqual(800);
  });
});
