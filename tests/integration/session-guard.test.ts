import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionIdOf, verifySessionToken } from "@/lib/auth/session-token";
import { countRoundTrips, type WireCounter } from "../../scripts/bench/server-pool";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { appRequest, newTestUser, startTestSession, TEST_SESSION_SECRET, useAppEnv } from "./helpers/app";
import { readEvents } from "./helpers/chat";
import { asRole, createTestPool } from "./helpers/db";

/**
 * The dev sign-in's session check rides on a request's first database call (lib/auth/sessions.ts
 * findRequestSession, lib/db/request-guard.ts): round trips counted on the wire of the app's own
 * pool, and what a request on an ended session can still do (nothing).
 */
type Handler = (request: Request) => Promise<Response>;
const MODEL = "openai/gpt-4o-mini";
const admin = createTestPool(2);
let llm: LlmServer;
let wire: WireCounter;
let STATUS: Handler;
let CHAT: Handler;
let NO_DB: Handler;

beforeAll(async () => {
  llm = await startLlmServer({ chunkDelayMs: 0 });
  useAppEnv({ OPENROUTER_BASE_URL: llm.url, LLM_TIMEOUT_MS: "15000", RATE_LIMIT_PER_MINUTE: "1000" });
  // A pool of this file's own, counted from its first connection on.
  const app = globalThis as { tokenmeterPool?: { end(): Promise<void> } };
  await app.tokenmeterPool?.end();
  delete app.tokenmeterPool;
  const { getPool } = await import("@/lib/db/pool");
  wire = countRoundTrips(getPool());
  ({ GET: STATUS } = await import("@/app/api/tokens/current/route"));
  ({ POST: CHAT } = await import("@/app/api/chat/route"));
  const { withUser } = await import("@/lib/api/handler");
  // A handler that never touches the database: the wrapper must check the session on its own.
  NO_DB = withUser(async ({ user }) => Response.json({ id: user.id }));
});
afterAll(async () => {
  await llm.close();
  await admin.end();
});

async function trips<T>(work: () => Promise<T>): Promise<{ result: T; trips: number }> {
  const before = wire.roundTrips;
  const result = await work();
  return { result, trips: wire.roundTrips - before };
}

const get = (handler: Handler, path: string, cookie: string) => handler(new Request(new URL(path, "http://localhost:3000"), { headers: { cookie } }));

async function chat(cookie: string, content: string): Promise<Response> {
  const request = await appRequest("/api/chat", { method: "POST", json: { model: MODEL, messages: [{ role: "user", content }] } });
  request.headers.set("cookie", cookie);
  return CHAT(request);
}

function sessionId(cookie: string): string {
  return sessionIdOf(verifySessionToken(cookie.slice("tm_session=".length), TEST_SESSION_SECRET)!);
}

async function footprint(userId: string) {
  const { rows } = await admin.query(
    `select (select count(*)::int from public.reservations where user_id = $1) as holds,
            (select count(*)::int from public.usage_ledger where user_id = $1) as ledger,
            (select count(*)::int from public.conversations where user_id = $1) as conversations`,
    [userId],
  );
  return rows[0] as { holds: number; ledger: number; conversations: number };
}

describe("the session check rides on the request's first database call", () => {
  it("GET /api/tokens/current: the session's first request here looks it up (2 round trips), later ones check it in the status call (1)", async () => {
    const cookie = await startTestSession(newTestUser());
    const first = await trips(() => get(STATUS, "/api/tokens/current", cookie));
    expect(first.result.status).toBe(200);
    expect(first.trips).toBe(2);
    const later = await trips(() => get(STATUS, "/api/tokens/current", cookie));
    expect(later.result.status).toBe(200);
    expect(later.trips).toBe(1);
  });

  it("POST /api/chat on a known session: begin_chat and finish_chat, the session checked in the first", async () => {
    const user = newTestUser();
    const cookie = await startTestSession(user);
    expect((await get(STATUS, "/api/tokens/current", cookie)).status).toBe(200);
    const { result, trips: count } = await trips(async () => readEvents(await chat(cookie, "hello [[reply_tokens:12]]")));
    expect(result.at(-1)).toMatchObject({ type: "done", outcome: "ok", recorded: true });
    expect(count).toBe(2);
    expect(await footprint(user.id)).toMatchObject({ holds: 0, ledger: 1, conversations: 1 });
  });

  it("a handler without database calls: the wrapper checks the session itself (1 round trip)", async () => {
    const user = newTestUser();
    const cookie = await startTestSession(user);
    expect((await get(NO_DB, "/x", cookie)).status).toBe(200); // first request: looked up
    const { result, trips: count } = await trips(() => get(NO_DB, "/x", cookie));
    expect(result.status).toBe(200);
    expect(await result.json()).toEqual({ id: user.id });
    expect(count).toBe(1);
  });
});

describe("a session ended elsewhere (another instance, an admin, expiry) is refused at once", () => {
  it("revoked: status 401, and a chat is refused before anything is held, charged, stored or sent to the model", async () => {
    const user = newTestUser();
    const cookie = await startTestSession(user);
    expect((await get(STATUS, "/api/tokens/current", cookie)).status).toBe(200);
    await admin.query("update public.sessions set revoked_at = now() where id = $1", [sessionId(cookie)]);

    const upstreamCalls = llm.requests().length;
    const refused = await chat(cookie, "still here? [[reply_tokens:12]]");
    expect(refused.status).toBe(401);
    expect(llm.requests()).toHaveLength(upstreamCalls);
    expect(await refused.json()).toMatchObject({ error: { code: "unauthorized" } });
    expect(await footprint(user.id)).toEqual({ holds: 0, ledger: 0, conversations: 0 });
    expect((await get(STATUS, "/api/tokens/current", cookie)).status).toBe(401);
  });

  it("revoked: a request that fails before any database call (a 400 for a valid session) is 401", async () => {
    const cookie = await startTestSession(newTestUser());
    const bad = async () => {
      const request = await appRequest("/api/chat", { method: "POST", json: { model: MODEL, messages: [] } });
      request.headers.set("cookie", cookie);
      return CHAT(request);
    };
    expect((await bad()).status).toBe(400);
    await admin.query("update public.sessions set revoked_at = now() where id = $1", [sessionId(cookie)]);
    expect((await bad()).status).toBe(401);
  });

  it("revoked: a handler without database calls answers 401 too", async () => {
    const cookie = await startTestSession(newTestUser());
    expect((await get(NO_DB, "/x", cookie)).status).toBe(200);
    await admin.query("update public.sessions set revoked_at = now() where id = $1", [sessionId(cookie)]);
    expect((await get(NO_DB, "/x", cookie)).status).toBe(401);
  });

  it("expired: 401, and the instance forgets it (the next request looks it up again: 401, one round trip)", async () => {
    const cookie = await startTestSession(newTestUser());
    expect((await get(STATUS, "/api/tokens/current", cookie)).status).toBe(200);
    await admin.query("update public.sessions set created_at = now() - interval '31 days', expires_at = now() - interval '1 second' where id = $1", [sessionId(cookie)]);
    expect((await get(STATUS, "/api/tokens/current", cookie)).status).toBe(401);
    const again = await trips(() => get(STATUS, "/api/tokens/current", cookie));
    expect(again.result.status).toBe(401);
    expect(again.trips).toBe(1); // find_session alone, nothing after it
  });
});

describe("public.require_session", () => {
  it("passes only for the session's own user, raises 28000 otherwise, and only the server may call it", async () => {
    const user = newTestUser();
    const id = sessionId(await startTestSession(user));
    expect((await admin.query("select public.require_session($1, $2) as ok", [id, user.id])).rows[0].ok).toBe(true);
    await expect(admin.query("select public.require_session($1, $2)", [id, "user_someone_else"])).rejects.toMatchObject({ code: "28000" });
    await expect(admin.query("select public.require_session($1, $2)", ["0".repeat(64), user.id])).rejects.toMatchObject({ code: "28000" });
    for (const role of ["anon", "authenticated"] as const) {
      await expect(asRole(admin, role, { sub: user.id }, (client) => client.query("select public.require_session($1, $2)", [id, user.id]))).rejects.toMatchObject({
        code: "42501",
      });
    }
  });
});

describe("the guard never outlives its request", () => {
  it("a timer the work started runs its database calls unguarded once the request is done", async () => {
    const { requestGuard, withRequestGuard, pendingGuard } = await import("@/lib/db/request-guard");
    const guard = requestGuard("require_session", { p_id: "x", p_user_id: "y" });
    let inside: unknown = "unset";
    let later: Promise<unknown> = Promise.resolve();
    await withRequestGuard(guard, async () => {
      inside = pendingGuard();
      later = new Promise((resolve) => setTimeout(() => resolve(pendingGuard()), 5));
    });
    expect(inside).toBe(guard);
    expect(await later).toBeUndefined();
    expect(guard.passed).toBe(false);
  });
});
