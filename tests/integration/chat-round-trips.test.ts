import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "@/lib/db/rpc";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { newTestUser, useAppEnv } from "./helpers/app";
import { holdCount, readEvents, waitForLedger } from "./helpers/chat";
import { createTestPool } from "./helpers/db";

/**
 * A chat request's database round trips, counted at the database port: begin_chat (rate limit, owner,
 * reserve) and finish_chat (settle, store the exchange), two for a reply that ends before its first
 * checkpoint. The dev sign-in's session check (one more, in withUser) is not the chat's: Clerk's
 * sessions need none.
 */
const MODEL = "openai/gpt-4o-mini";
const db = createTestPool(2);
let llm: LlmServer;
let calls: string[];
let chat: (user: { id: string; name: string }, content: string, conversationId?: string) => Promise<Response>;

beforeAll(async () => {
  llm = await startLlmServer({ chunkDelayMs: 0 });
  useAppEnv({ OPENROUTER_BASE_URL: llm.url, LLM_TIMEOUT_MS: "15000", RATE_LIMIT_PER_MINUTE: "1000" });
  const { getRpc } = await import("@/lib/db/get-rpc");
  const { createStores } = await import("@/lib/api/stores");
  const { getChatSettings } = await import("@/lib/chat/chat-settings");
  const { runChat } = await import("@/lib/chat/run-chat");
  const real = getRpc();
  calls = [];
  const counting: RpcClient = {
    userCallsNeedToken: real.userCallsNeedToken,
    call: (fn, args) => (calls.push(fn), real.call(fn, args)),
    callAsUser: (fn, args, identity) => (calls.push(fn), real.callAsUser(fn, args, identity)),
  };
  const deps = { stores: createStores(counting), ...getChatSettings() };
  chat = (user, content, conversationId) =>
    runChat(deps, user, { model: MODEL, messages: [{ role: "user", content }], ...(conversationId ? { conversationId } : {}) }, new AbortController().signal);
});
afterAll(async () => {
  await llm.close();
  await db.end();
});

describe("database round trips of one chat request", () => {
  it("a new conversation: begin_chat and finish_chat, nothing else", async () => {
    const user = newTestUser();
    calls.length = 0;
    const events = await readEvents(await chat(user, "hello [[reply_tokens:20]]"));
    expect(events.at(-1)).toMatchObject({ type: "done", outcome: "ok", recorded: true });
    expect(calls).toEqual(["begin_chat", "finish_chat"]);
    const [row] = await waitForLedger(db, user.id, 1);
    expect(row!.outcome).toBe("ok");
    expect(await holdCount(db, user.id)).toBe(0);
  });

  it("continuing a conversation (its owner checked in begin_chat): still two", async () => {
    const user = newTestUser();
    const first = await readEvents(await chat(user, "hello [[reply_tokens:5]]"));
    const conversationId = (first[0] as { conversationId: string }).conversationId;
    calls.length = 0;
    const events = await readEvents(await chat(user, "and again [[reply_tokens:5]]", conversationId));
    expect(events.at(-1)).toMatchObject({ type: "done", outcome: "ok" });
    expect(calls).toEqual(["begin_chat", "finish_chat"]);
    const { rows } = await db.query("select count(*)::int as n from public.messages where conversation_id = $1", [conversationId]);
    expect(rows[0].n).toBe(4);
  });

  it("another user's conversation is refused in begin_chat: 404, nothing held, nothing charged", async () => {
    const owner = newTestUser();
    const first = await readEvents(await chat(owner, "mine [[reply_tokens:5]]"));
    const conversationId = (first[0] as { conversationId: string }).conversationId;
    const intruder = newTestUser();
    calls.length = 0;
    await expect(chat(intruder, "let me in", conversationId)).rejects.toMatchObject({ code: "not_found" });
    expect(calls).toEqual(["begin_chat"]);
    expect(await holdCount(db, intruder.id)).toBe(0);
    const { rows } = await db.query("select count(*)::int as n from public.usage_ledger where user_id = $1", [intruder.id]);
    expect(rows[0].n).toBe(0);
  });
});
