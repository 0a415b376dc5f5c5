import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { countChatTokens } from "@/lib/metering/tokenizer";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { holdCount, readEvents } from "./helpers/chat";
import { createTestPool } from "./helpers/db";
import { createServicePool, newRequestId, releaseTokens, reserveTokens } from "./helpers/metering";

/**
 * "Held is not exhausted": a chat refused only because the user's other requests in flight hold the
 * rest is 429 quota_held with Retry-After, not 402 quota_exceeded.
 */

const MODEL = "openai/gpt-4o-mini"; // prompt_token_factor 1.00: what a request needs is prompt + 16
const MIN_OUTPUT_TOKENS = 16;
let llm: LlmServer;
const db = createTestPool(2);
const server = createServicePool(2);
let chatRoute: typeof import("@/app/api/chat/route");

beforeAll(async () => {
  llm = await startLlmServer({ chunkDelayMs: 0 });
  useAppEnv({ OPENROUTER_BASE_URL: llm.url, LLM_TIMEOUT_MS: "15000", LLM_STREAM_IDLE_TIMEOUT_MS: "10000", RATE_LIMIT_PER_MINUTE: "1000" });
  chatRoute = await import("@/app/api/chat/route");
});
afterAll(async () => {
  await llm.close();
  await Promise.all([db.end(), server.end()]);
  const app = globalThis as { tokenmeterPool?: { end(): Promise<void> }; tokenmeterRpc?: unknown };
  await app.tokenmeterPool?.end();
  delete app.tokenmeterPool;
  delete app.tokenmeterRpc;
});
beforeEach(() => {
  llm.clearFaults();
  llm.clearRequests();
});

const messages = [{ role: "user" as const, content: "A short question about tides [[reply_tokens:20]]" }];
const needed = countChatTokens(messages) + MIN_OUTPUT_TOKENS;

const chat = async (user: TestUser) => chatRoute.POST(await appRequest("/api/chat", { method: "POST", user, json: { model: MODEL, messages } }));

/** Two other chats "streaming": holds taken through reserve_tokens, as checkQuota takes them. */
async function holdTwice(userId: string, first: number, second = first): Promise<string[]> {
  const ids = [newRequestId(), newRequestId()];
  for (const [i, tokens] of [first, second].entries()) {
    expect(await reserveTokens(server, { userId, requestId: ids[i]!, min: tokens, max: tokens })).toMatchObject({ ok: true, reserved: tokens });
  }
  return ids;
}

async function userWithCap(cap: number): Promise<TestUser> {
  const user = newTestUser();
  await db.query("select public.admin_set_cap_override($1, $2, 'test')", [user.id, cap]);
  return user;
}

describe("POST /api/chat while other chats hold the rest", () => {
  it("429 quota_held with Retry-After and { remaining, held, needed, retryAfterSeconds }; nothing held, no upstream call; fine once they end", async () => {
    // 3,380 left this period; two chats in flight hold 1,690 each.
    const user = await userWithCap(3_380);
    const holds = await holdTwice(user.id, 1_690);

    const response = await chat(user);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({
      error: {
        code: "quota_held",
        message: "Your other chats in progress hold the remaining tokens; try again in a moment.",
        details: { remaining: 0, held: 3_380, needed, retryAfterSeconds: 5 },
      },
    });
    expect(llm.requests()).toHaveLength(0);
    expect(await holdCount(db, user.id)).toBe(2); // the refused request holds nothing

    // The other chats end (one is released, one settles small): the same request now goes through.
    await releaseTokens(server, holds[0]!);
    const ok = await chat(user);
    expect(ok.status).toBe(200);
    expect((await readEvents(ok)).at(-1)).toMatchObject({ type: "done", outcome: "ok" });
  });

  it("quota_held when a little remains but not enough for this request", async () => {
    const user = await userWithCap(1_000);
    await holdTwice(user.id, 500, 1_000 - 500 - (needed - 1)); // leaves needed - 1
    const response = await chat(user);
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({
      error: { code: "quota_held", details: { remaining: needed - 1, held: 1_000 - (needed - 1), needed, retryAfterSeconds: 5 } },
    });
  });

  it("the balance counts as free: allowance spent, the balance held by the other chats", async () => {
    const user = await userWithCap(0);
    await db.query("select public.admin_grant_tokens($1, 2000, 'test', 'test')", [user.id]);
    await holdTwice(user.id, 1_000);
    const response = await chat(user);
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { code: "quota_held", details: { remaining: 0, held: 2_000, needed } } });
  });

  it("402 quota_exceeded when the request would not fit even without the holds", async () => {
    const user = await userWithCap(needed - 1);
    await holdTwice(user.id, 1);
    const response = await chat(user);
    expect(response.status).toBe(402);
    expect(response.headers.get("retry-after")).toBeNull();
    expect(await response.json()).toMatchObject({ error: { code: "quota_exceeded", details: { cap: needed - 1, needed } } });
  });

  it("402 quota_exceeded, not quota_held, when nothing is held", async () => {
    const user = await userWithCap(needed - 1);
    const response = await chat(user);
    expect(response.status).toBe(402);
    expect(await response.json()).toMatchObject({ error: { code: "quota_exceeded" } });
  });
});
