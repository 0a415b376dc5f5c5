import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatEvent } from "@/lib/client/chat-events";
import { makeTempDir, startLocalPostgres, type LocalPostgres } from "../../scripts/db/local-postgres";
import { migrate } from "../../scripts/db/migrate";
import { getFreePort } from "../../scripts/free-port";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";

/**
 * PostgreSQL stopped (a real fast shutdown of a cluster of this file's own) in the middle of a reply,
 * for longer than the settle retries, then started again: the settlement and the exchange wait in the
 * spool and are recorded exactly once when it is back, whichever of the replay and the sweeper gets
 * there first. And the fail modes: closed refuses while the quota cannot be checked; open lets a chat
 * through on the instance's emergency allowance and charges it when the database is back.
 */
const MODEL = "openai/gpt-4o-mini";
const SETTLE_RETRY_MS = 1_500; // the whole retry budget (configuration; 35 s by default)
const EMERGENCY_USER_TOKENS = 150;

let root: string;
let dataDir: string;
let port: number;
let cluster: LocalPostgres;
let owner: pg.Pool;
let llm: LlmServer;
let spoolDir: string;
let app: {
  POST: (request: Request) => Promise<Response>;
  runChat: typeof import("@/lib/chat/run-chat").runChat;
  getChatSettings: typeof import("@/lib/chat/chat-settings").getChatSettings;
  getStores: typeof import("@/lib/api/stores").getStores;
  errorResponse: typeof import("@/lib/api/error-response").errorResponse;
  replay: typeof import("@/lib/chat/pending-settlements").replayPendingSettlements;
  startReplayer: typeof import("@/lib/chat/pending-settlements").startSettlementReplayer;
};

beforeAll(async () => {
  root = makeTempDir("outage");
  dataDir = path.join(root, "pg");
  port = await getFreePort();
  cluster = await startLocalPostgres({ dataDir, port, fast: true });
  await migrate({ databaseUrl: cluster.url, supabaseDir: path.resolve("supabase"), log: () => {} });
  owner = new pg.Pool({ connectionString: cluster.url, max: 2 });
  owner.on("error", () => {}); // its idle clients die with each stop
  llm = await startLlmServer({ chunkDelayMs: 15 });
  spoolDir = mkdtempSync(path.join(os.tmpdir(), "tokenmeter-spool-"));
  useAppEnv({
    DATABASE_URL: cluster.url,
    OPENROUTER_BASE_URL: llm.url,
    LLM_TIMEOUT_MS: "15000",
    LLM_STREAM_IDLE_TIMEOUT_MS: "10000",
    RATE_LIMIT_PER_MINUTE: "1000",
    METERING_SETTLE_RETRY_MS: String(SETTLE_RETRY_MS),
    METERING_SPOOL_DIR: spoolDir,
    METERING_FAIL_MODE: "open",
    METERING_EMERGENCY_USER_TOKENS: String(EMERGENCY_USER_TOKENS),
  });
  const pending = await import("@/lib/chat/pending-settlements");
  app = {
    POST: (await import("@/app/api/chat/route")).POST,
    runChat: (await import("@/lib/chat/run-chat")).runChat,
    getChatSettings: (await import("@/lib/chat/chat-settings")).getChatSettings,
    getStores: (await import("@/lib/api/stores")).getStores,
    errorResponse: (await import("@/lib/api/error-response")).errorResponse,
    replay: pending.replayPendingSettlements,
    startReplayer: pending.startSettlementReplayer,
  };
}, 120_000);

afterAll(async () => {
  await owner?.end();
  await llm?.close();
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(spoolDir, { recursive: true, force: true });
});

async function stopDatabase(): Promise<void> {
  await cluster.stop();
}

async function startDatabase(): Promise<void> {
  cluster = await startLocalPostgres({ dataDir, port, fast: true });
}

/** runChat as POST runs it, for a given user, with the fail mode given (emergency null: closed). */
async function chatAs(user: TestUser, content: string, overrides: { emergency?: null } = {}): Promise<Response> {
  const deps = { stores: app.getStores(), ...app.getChatSettings(), ...overrides };
  return app.runChat(deps, user, { model: MODEL, messages: [{ role: "user", content }] }, new AbortController().signal).catch(app.errorResponse);
}

/** Reads the NDJSON events; `after(event)` runs as each arrives (and may be awaited before the next is read). */
async function readEventsWith(response: Response, after: (event: ChatEvent) => Promise<void> | void = () => {}): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.trim()) continue;
      const event = JSON.parse(line) as ChatEvent;
      events.push(event);
      await after(event);
    }
  }
  return events;
}

const doneOf = (events: ChatEvent[]) => events.find((event): event is Extract<ChatEvent, { type: "done" }> => event.type === "done")!;
const spooled = () => readdirSync(spoolDir).filter((name) => name.endsWith(".json"));

async function ledgerOf(userId: string) {
  const { rows } = await owner.query(
    "select request_id, total_tokens::int, plan_tokens::int, balance_tokens::int, swept, outcome from public.usage_ledger where user_id = $1 order by id",
    [userId],
  );
  return rows as { request_id: string; total_tokens: number; plan_tokens: number; balance_tokens: number; swept: boolean; outcome: string }[];
}

async function booksOf(userId: string) {
  const q = async (sql: string) => Number((await owner.query(sql, [userId])).rows[0].n);
  return {
    ledger: await q("select coalesce(sum(total_tokens), 0)::int as n from public.usage_ledger where user_id = $1"),
    used: await q("select coalesce(sum(plan_tokens_used), 0)::int as n from public.usage_periods where user_id = $1"),
    holds: await q("select count(*)::int as n from public.reservations where user_id = $1"),
    messages: await q("select count(*)::int as n from public.messages m join public.conversations c on c.id = m.conversation_id where c.user_id = $1"),
  };
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && done(value)) return { value, ms: Date.now() - started };
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the database stops mid-stream for longer than the settle retries", () => {
  it("the reply finishes, the browser is told its usage will be recorded, and the replay charges it once, saves the exchange and leaves no hold", async () => {
    const user = newTestUser();
    const response = await chatAs(user, "Tell me about harbours [[reply_tokens:120]]", { emergency: null });
    expect(response.status).toBe(200);
    let stopped = false;
    const events = await readEventsWith(response, async (event) => {
      if (event.type === "delta" && !stopped) {
        stopped = true;
        await stopDatabase(); // the hold is taken; nothing after this reaches the database
      }
    });
    const done = doneOf(events);
    expect(done).toMatchObject({ outcome: "ok", recorded: false, status: null });
    expect(done.usage.totalTokens).toBeGreaterThan(120);
    expect(spooled()).toHaveLength(1);

    await startDatabase();
    const stop = app.startReplayer(app.getChatSettings().spool, app.getStores(), { intervalMs: 200 });
    try {
      const recovered = await waitFor("the spooled settlement is recorded", () => ledgerOf(user.id), (rows) => rows.length > 0);
      console.info(`[outage] recorded ${recovered.ms} ms after the database was back`);
    } finally {
      stop();
    }
    await waitFor("the spool is empty", async () => spooled().length, (n) => n === 0);
    const rows = await ledgerOf(user.id);
    expect(rows).toEqual([{ request_id: expect.any(String), total_tokens: done.usage.totalTokens, plan_tokens: done.usage.totalTokens, balance_tokens: 0, swept: false, outcome: "ok" }]);
    expect(await booksOf(user.id)).toEqual({ ledger: done.usage.totalTokens, used: done.usage.totalTokens, holds: 0, messages: 2 });

    // Replayed again (another instance, or a crash before the removal): nothing changes.
    expect(await app.replay(app.getChatSettings().spool, app.getStores())).toEqual({ replayed: 0, setAside: 0, waiting: 0 });
    expect(await booksOf(user.id)).toEqual({ ledger: done.usage.totalTokens, used: done.usage.totalTokens, holds: 0, messages: 2 });
  }, 60_000);

  it("when the sweeper gets there first (it charged the last checkpoint), the replay charges the rest, once", async () => {
    const user = newTestUser();
    const response = await chatAs(user, "Tell me about tides [[reply_tokens:400]]", { emergency: null });
    expect(response.status).toBe(200);
    let deltas = 0;
    let stopped = false;
    const events = await readEventsWith(response, async (event) => {
      if (event.type !== "delta" || stopped) return;
      deltas++;
      const checkpointed = await owner.query("select output_tokens::int as n from public.reservations where user_id = $1 and checkpoint_at is not null", [user.id]);
      if (checkpointed.rows.length > 0 && checkpointed.rows[0].n > 0) {
        stopped = true;
        await stopDatabase();
      }
    });
    expect(stopped).toBe(true); // the first checkpoint (after 2 s) came before the end of the reply
    const done = doneOf(events);
    expect(done).toMatchObject({ outcome: "ok", recorded: false });
    expect(deltas).toBeGreaterThan(1);

    await startDatabase();
    // Any instance's sweeper, seeing the hold silent (its time moved on by a minute): charges the prompt and the last checkpoint.
    const swept = await owner.query("select public.sweep_stale_holds(p_now => now() + interval '1 minute', p_silence_seconds => 30) as result");
    expect(swept.rows[0].result).toMatchObject({ swept: 1 });
    const [sweptRow] = await ledgerOf(user.id);
    expect(sweptRow!.swept).toBe(true);
    expect(sweptRow!.total_tokens).toBeLessThan(done.usage.totalTokens);

    expect(await app.replay(app.getChatSettings().spool, app.getStores())).toMatchObject({ replayed: 1, waiting: 0 });
    const rows = await ledgerOf(user.id);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.request_id).toBe(`${rows[0]!.request_id}+late`);
    expect(await booksOf(user.id)).toEqual({ ledger: done.usage.totalTokens, used: done.usage.totalTokens, holds: 0, messages: 2 });
    // The reopened conversation's token line is the whole charge: both rows, the real outcome.
    const conversationId = (events[0] as { conversationId: string }).conversationId;
    const conversation = (await owner.query("select public.get_conversation($1, $2) as c", [user.id, conversationId])).rows[0].c;
    const reply = (conversation.messages as { role: string; usage: unknown }[]).find((message) => message.role === "assistant");
    expect(reply?.usage).toMatchObject({ total_tokens: done.usage.totalTokens, outcome: "ok" });
  }, 60_000);
});

describe("fail modes while the quota cannot be checked", () => {
  it("closed (the default) refuses with 503 unavailable and Retry-After, and takes nothing", async () => {
    const user = newTestUser();
    const upstreamCalls = llm.requests().length;
    await stopDatabase();
    try {
      const response = await chatAs(user, "hello", { emergency: null });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unavailable");
      expect(llm.requests()).toHaveLength(upstreamCalls); // the model was never called
    } finally {
      await startDatabase();
    }
    expect(spooled()).toHaveLength(0);
  }, 60_000);

  it("open lets a signed-in user chat on the emergency allowance, refuses past it, and charges what was used when the database is back", async () => {
    const user = newTestUser();
    // Signed in and seen while the database was up: this instance knows the session.
    const before = await app.POST(await appRequest("/api/chat", { method: "POST", user, json: { model: MODEL, messages: [{ role: "user", content: "hi [[reply_tokens:5]]" }] } }));
    const first = doneOf(await readEventsWith(before));
    expect(first.recorded).toBe(true);

    await stopDatabase();
    let admitted: Extract<ChatEvent, { type: "done" }>;
    try {
      const during = await app.POST(await appRequest("/api/chat", { method: "POST", user, json: { model: MODEL, messages: [{ role: "user", content: "hi [[reply_tokens:120]]" }] } }));
      expect(during.status).toBe(200);
      admitted = doneOf(await readEventsWith(during));
      expect(admitted).toMatchObject({ outcome: "ok", recorded: false, status: null });
      expect(admitted.usage.totalTokens).toBeLessThanOrEqual(EMERGENCY_USER_TOKENS);

      const refused = await app.POST(await appRequest("/api/chat", { method: "POST", user, json: { model: MODEL, messages: [{ role: "user", content: "and more [[reply_tokens:120]]" }] } }));
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/emergency allowance/);
      expect(spooled()).toHaveLength(1);
    } finally {
      await startDatabase();
    }

    expect(await app.replay(app.getChatSettings().spool, app.getStores())).toMatchObject({ replayed: 1, waiting: 0 });
    const total = first.usage.totalTokens + admitted.usage.totalTokens;
    expect(await booksOf(user.id)).toEqual({ ledger: total, used: total, holds: 0, messages: 4 });
    expect(spooled()).toHaveLength(0);
  }, 60_000);
});

describe("the spool's replay", () => {
  it("sets aside what can never be delivered (a damaged record, another user's request) and still delivers the rest", async () => {
    const spool = app.getChatSettings().spool;
    const owner1 = newTestUser();
    const other = newTestUser();
    const taken = await chatAs(owner1, "hi [[reply_tokens:5]]", { emergency: null });
    const start = (await readEventsWith(taken)).find((e): e is Extract<ChatEvent, { type: "start" }> => e.type === "start")!;
    const settle = { userId: other.id, model: MODEL, inputTokens: 10, outputTokens: 20, outcome: "ok", at: new Date().toISOString() };
    await spool.put("0001_damaged", { version: 1, settle: { requestId: "x" } });
    await spool.put("0002_stolen", { version: 1, settle: { ...settle, requestId: start.requestId }, exchange: null });
    await spool.put("0003_good", { version: 1, settle: { ...settle, requestId: "spooled-good-1" }, exchange: null });

    expect(await app.replay(spool, app.getStores())).toEqual({ replayed: 1, setAside: 2, waiting: 0 });
    expect(spooled()).toHaveLength(0);
    expect(readdirSync(path.join(spoolDir, "failed")).sort()).toEqual(["0001_damaged.json", "0001_damaged.reason.txt", "0002_stolen.json", "0002_stolen.reason.txt"]);
    expect(await ledgerOf(other.id)).toEqual([{ request_id: "spooled-good-1", total_tokens: 30, plan_tokens: 30, balance_tokens: 0, swept: false, outcome: "ok" }]);
    expect((await ledgerOf(owner1.id)).map((row) => row.request_id)).toEqual([start.requestId]); // untouched
  });
});
