import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newSessionToken, sessionIdOf, signSessionToken, verifySessionToken } from "@/lib/auth/session-token";
import { APP_ORIGIN, appRequest, newTestUser, startTestSession, TEST_SESSION_SECRET, useAppEnv, type TestUser } from "./helpers/app";
import { asRole, createTestPool } from "./helpers/db";
import { callRpc, createServicePool, newRequestId, pgError } from "./helpers/metering";

/**
 * Sessions in Postgres (sign-out ends them on every instance; expiry; forged cookies) and the route
 * wrapper's refusal of cross-site writes, through the route handlers on the run's database.
 */

// Server components read the cookie through next/headers: a jar the tests fill, as a browser would.
const jar = vi.hoisted(() => ({ session: undefined as string | undefined }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "tm_session" && jar.session !== undefined ? { name, value: jar.session } : undefined) }),
}));

type Handler = (request: Request) => Promise<Response>;
type ItemHandler = (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;
let SIGN_IN: Handler;
let SIGN_OUT: Handler;
let STATUS: Handler;
let CHAT: Handler;
let ACK: Handler;
let RENAME: ItemHandler;
let DELETE_CONVERSATION: ItemHandler;
let getPageUser: typeof import("@/lib/api/page-user").getPageUser;
let stores: import("@/lib/api/stores").Stores;

beforeAll(async () => {
  useAppEnv(); // before the app's modules load: lib/env.ts parses on first use
  ({ POST: SIGN_IN } = await import("@/app/api/auth/sign-in/route"));
  ({ POST: SIGN_OUT } = await import("@/app/api/auth/sign-out/route"));
  ({ GET: STATUS } = await import("@/app/api/tokens/current/route"));
  ({ POST: CHAT } = await import("@/app/api/chat/route"));
  ({ POST: ACK } = await import("@/app/api/tokens/alerts/ack/route"));
  ({ PATCH: RENAME, DELETE: DELETE_CONVERSATION } = await import("@/app/api/conversations/[id]/route"));
  ({ getPageUser } = await import("@/lib/api/page-user"));
  stores = (await import("@/lib/api/stores")).getStores();
});

const admin = createTestPool(2);
const server = createServicePool(2);
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
  const app = globalThis as { tokenmeterPool?: { end(): Promise<void> } };
  await app.tokenmeterPool?.end();
  delete app.tokenmeterPool;
});

const url = (path: string) => new URL(path, APP_ORIGIN);
const status = async (cookie: string) => (await STATUS(new Request(url("/api/tokens/current"), { headers: { cookie } }))).status;
/** Who a page sees (app/(app)/layout.tsx through requirePageUser, app/page.tsx through getPageUser). */
async function pageUser(cookie: string) {
  jar.session = cookie.slice(cookie.indexOf("=") + 1);
  try {
    return await getPageUser();
  } finally {
    jar.session = undefined;
  }
}
const idOf = (cookie: string) => sessionIdOf(verifySessionToken(cookie.slice(cookie.indexOf("=") + 1), TEST_SESSION_SECRET)!);

async function signIn(name: string): Promise<string> {
  const response = await SIGN_IN(
    new Request(url("/api/auth/sign-in"), { method: "POST", headers: { "content-type": "application/json", origin: APP_ORIGIN }, body: JSON.stringify({ name }) }),
  );
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

async function signOut(cookie: string, headers: Record<string, string> = { origin: APP_ORIGIN }) {
  return SIGN_OUT(new Request(url("/api/auth/sign-out"), { method: "POST", headers: { cookie, ...headers } }));
}

describe("sessions in Postgres", () => {
  it("sign-in stores a session under the token's SHA-256, never the token", async () => {
    const cookie = await signIn(`Session ${randomUUID().slice(0, 8)}`);
    const token = verifySessionToken(cookie.slice("tm_session=".length), TEST_SESSION_SECRET)!;
    const { rows } = await admin.query("select id, user_id, revoked_at, expires_at - created_at as ttl from public.sessions where id = $1", [sessionIdOf(token)]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ revoked_at: null, ttl: { days: 30 } });
    expect((await admin.query("select count(*)::int as n from public.sessions where id = $1", [token])).rows[0].n).toBe(0);
  });

  it("sign-out revokes the session: the old cookie is refused by the API and by a page's getUser()", async () => {
    const name = `Leaver ${randomUUID().slice(0, 8)}`;
    const cookie = await signIn(name);
    expect(await status(cookie)).toBe(200);
    expect(await pageUser(cookie)).toMatchObject({ name });

    const response = await signOut(cookie);
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toMatch(/^tm_session=; .*Max-Age=0/);

    expect(await status(cookie)).toBe(401); // the copied cookie, replayed
    expect(await pageUser(cookie)).toBeNull();
    expect((await admin.query("select revoked_at from public.sessions where id = $1", [idOf(cookie)])).rows[0].revoked_at).not.toBeNull();
    // Signing out again is harmless.
    expect((await signOut(cookie)).status).toBe(204);
  });

  it("signing out one session leaves the user's other sessions (other devices) signed in", async () => {
    const name = `Two devices ${randomUUID().slice(0, 8)}`;
    const [laptop, phone] = [await signIn(name), await signIn(name)];
    await signOut(laptop);
    expect(await status(laptop)).toBe(401);
    expect(await status(phone)).toBe(200);
  });

  it("a second server instance (a fresh module graph and pool, same database) refuses the revoked cookie too", async () => {
    const revoked = await signIn(`Instance ${randomUUID().slice(0, 8)}`);
    const valid = await signIn(`Instance ${randomUUID().slice(0, 8)}`);
    expect(await status(revoked)).toBe(200); // the first instance has seen it valid
    expect((await signOut(revoked)).status).toBe(204);

    type Pool = { end(): Promise<void> };
    const app = globalThis as { tokenmeterPool?: Pool };
    const firstPool = app.tokenmeterPool;
    delete app.tokenmeterPool;
    vi.resetModules();
    try {
      const { GET: OTHER_STATUS } = await import("@/app/api/tokens/current/route");
      const other = (cookie: string) => OTHER_STATUS(new Request(url("/api/tokens/current"), { headers: { cookie } }));
      expect((await other(revoked)).status).toBe(401);
      expect((await other(valid)).status).toBe(200);
      // And the other way round: revoked on the second instance, refused on the first.
      const { POST: OTHER_SIGN_OUT } = await import("@/app/api/auth/sign-out/route");
      expect((await OTHER_SIGN_OUT(new Request(url("/api/auth/sign-out"), { method: "POST", headers: { cookie: valid, origin: APP_ORIGIN } }))).status).toBe(204);
      expect((await other(valid)).status).toBe(401);
    } finally {
      await (app.tokenmeterPool as Pool | undefined)?.end(); // the second instance's pool
      app.tokenmeterPool = firstPool;
      vi.resetModules(); // modules imported from now on run on the first pool again
    }
    expect(await status(valid)).toBe(401);
  });

  it("an expired session is refused", async () => {
    const user = newTestUser();
    const cookie = await startTestSession(user);
    expect(await status(cookie)).toBe(200);
    await admin.query("update public.sessions set created_at = now() - interval '31 days', expires_at = now() - interval '1 second' where id = $1", [idOf(cookie)]);
    expect(await status(cookie)).toBe(401);
    expect(await pageUser(cookie)).toBeNull();
  });

  it("find_session answers only for a session neither revoked nor expired", async () => {
    const id = sessionIdOf(newSessionToken());
    const created = await callRpc(server, "create_session", { p_id: id, p_user_id: "user_x", p_name: "X", p_ttl_seconds: 60, p_now: new Date(Date.now() - 61_000).toISOString() });
    expect(created).toMatchObject({ user_id: "user_x", name: "X" });
    expect(await callRpc(server, "find_session", { p_id: id })).toBeNull(); // expired a second ago
    expect(await callRpc(server, "revoke_session", { p_id: id })).toEqual({ revoked: false });
    expect(await callRpc(server, "find_session", { p_id: "not a hash" })).toBeNull();
  });

  it("revoking all of a user's sessions signs them out everywhere, and nobody else", async () => {
    const user = newTestUser();
    const other = newTestUser();
    const [a, b, c] = [await startTestSession(user), await startTestSession(user), await startTestSession(other)];
    expect(await stores.sessions.revokeAllForUser(user.id)).toBe(2);
    expect([await status(a), await status(b), await status(c)]).toEqual([401, 401, 200]);
    expect(await stores.sessions.revokeAllForUser(user.id)).toBe(0);
  });

  it("a forged or garbled cookie is refused (401, no 500), and an unsigned one without a database call", async () => {
    const find = vi.spyOn(stores.sessions, "find");
    try {
      const wrongSecret = `tm_session=${signSessionToken(newSessionToken(), "another-secret-0123456789abcdef0123")}`;
      const oldFormat = `tm_session=${Buffer.from(JSON.stringify({ sub: "dev_admin", name: "Eve", iat: 1, exp: 9_999_999_999 })).toString("base64url")}.x`;
      for (const cookie of [wrongSecret, oldFormat, "tm_session=%E0%A4%A", "tm_session=", "tm_session=a.b.c", `tm_session=${"x".repeat(5000)}`]) {
        expect(await status(cookie), cookie.slice(0, 40)).toBe(401);
      }
      expect(find).not.toHaveBeenCalled();
      // Well signed (a leaked secret) but no such session: refused by the database.
      expect(await status(`tm_session=${signSessionToken(newSessionToken(), TEST_SESSION_SECRET)}`)).toBe(401);
      expect(find).toHaveBeenCalledTimes(1);
    } finally {
      find.mockRestore();
    }
  });
});

describe("cross-site writes are refused (403 forbidden) and change nothing", () => {
  const EVIL = { origin: "https://evil.example" };

  async function expectRefused(response: Response) {
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: { code: "forbidden", message: "Cross-site request refused" } });
  }

  async function seedConversation(user: TestUser, title = "Kept") {
    const id = randomUUID();
    await callRpc(server, "save_chat_exchange", {
      p_user_id: user.id,
      p_conversation_id: id,
      p_title: title,
      p_model: "openai/gpt-4o-mini",
      p_user_message: "Hello",
      p_assistant_message: "Hi!",
      p_request_id: newRequestId(),
    });
    return id;
  }

  const title = async (id: string) => (await admin.query("select title from public.conversations where id = $1", [id])).rows[0]?.title;
  const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

  it("sign-out: a cross-site form post with the session cookie leaves the session valid", async () => {
    const cookie = await signIn(`Target ${randomUUID().slice(0, 8)}`);
    await expectRefused(await signOut(cookie, { ...EVIL, "content-type": "application/x-www-form-urlencoded" }));
    await expectRefused(await signOut(cookie, { "sec-fetch-site": "cross-site" }));
    await expectRefused(await signOut(cookie, { referer: "https://evil.example/page" }));
    expect(await status(cookie)).toBe(200);
  });

  it("chat: no reservation, no charge, no conversation, no upstream call", async () => {
    const user = newTestUser();
    const before = await (await STATUS(await appRequest("/api/tokens/current", { user }))).json();
    const json = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };
    await expectRefused(await CHAT(await appRequest("/api/chat", { method: "POST", user, json, headers: EVIL })));
    expect(await (await STATUS(await appRequest("/api/tokens/current", { user }))).json()).toEqual(before);
    for (const table of ["reservations", "usage_ledger", "conversations"]) {
      expect((await admin.query(`select count(*)::int as n from public.${table} where user_id = $1`, [user.id])).rows[0].n, table).toBe(0);
    }
  });

  it("conversation rename and delete", async () => {
    const user = newTestUser();
    const id = await seedConversation(user);
    await expectRefused(await RENAME(await appRequest(`/api/conversations/${id}`, { method: "PATCH", user, json: { title: "Pwned" }, headers: EVIL }), ctx(id)));
    await expectRefused(await DELETE_CONVERSATION(await appRequest(`/api/conversations/${id}`, { method: "DELETE", user, headers: EVIL }), ctx(id)));
    expect(await title(id)).toBe("Kept");
    // The same requests from the app itself work.
    expect((await RENAME(await appRequest(`/api/conversations/${id}`, { method: "PATCH", user, json: { title: "Renamed" } }), ctx(id))).status).toBe(200);
    expect(await title(id)).toBe("Renamed");
    expect((await DELETE_CONVERSATION(await appRequest(`/api/conversations/${id}`, { method: "DELETE", user }), ctx(id))).status).toBe(204);
    expect(await title(id)).toBeUndefined();
  });

  it("alerts acknowledgement", async () => {
    const user = newTestUser();
    await admin.query("select public.admin_set_cap_override($1, 1000, 'test')", [user.id]);
    await admin.query("select public.settle_tokens($1, $2, 'openai/gpt-4o-mini', 900, 60)", [newRequestId(), user.id]);
    const unacknowledged = async () =>
      (await admin.query("select count(*)::int as n from public.usage_alerts where user_id = $1 and acknowledged_at is null", [user.id])).rows[0].n;
    expect(await unacknowledged()).toBe(2);
    await expectRefused(await ACK(await appRequest("/api/tokens/alerts/ack", { method: "POST", user, json: { thresholds: [80, 95] }, headers: EVIL })));
    expect(await unacknowledged()).toBe(2);
    expect((await ACK(await appRequest("/api/tokens/alerts/ack", { method: "POST", user, json: { thresholds: [80, 95] } }))).status).toBe(200);
    expect(await unacknowledged()).toBe(0);
  });

  it("a cookie-authenticated write must say where it comes from; same-origin by Sec-Fetch-Site or Referer is enough", async () => {
    const user = newTestUser();
    const id = await seedConversation(user);
    const rename = async (headers: Record<string, string>, t: string) => {
      const request = await appRequest(`/api/conversations/${id}`, { method: "PATCH", user, json: { title: t } });
      request.headers.delete("origin");
      for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
      return RENAME(request, ctx(id));
    };
    await expectRefused(await rename({}, "No origin"));
    await expectRefused(await rename({ origin: "null" }, "Opaque origin"));
    await expectRefused(await rename({ "sec-fetch-site": "same-site" }, "Sibling"));
    expect(await title(id)).toBe("Kept");
    expect((await rename({ "sec-fetch-site": "same-origin" }, "By Sec-Fetch-Site")).status).toBe(200);
    expect((await rename({ referer: `${APP_ORIGIN}/chat/${id}` }, "By Referer")).status).toBe(200);
    expect(await title(id)).toBe("By Referer");
  });

  it("a client with no cookie and no Origin (curl, a script) may still sign in; reads are never checked", async () => {
    const response = await SIGN_IN(new Request(url("/api/auth/sign-in"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Script"}' }));
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
    expect((await STATUS(new Request(url("/api/tokens/current"), { headers: { cookie, ...EVIL } }))).status).toBe(200);
  });
});

describe("the sessions table and functions", () => {
  const FUNCTIONS: Record<string, string> = {
    create_session: `select public.create_session('${"a".repeat(64)}', 'user_x', 'X', 60)`,
    find_session: `select public.find_session('${"a".repeat(64)}')`,
    revoke_session: `select public.revoke_session('${"a".repeat(64)}')`,
    revoke_user_sessions: "select public.revoke_user_sessions('user_x')",
  };
  const user = newTestUser();
  const claims = { sub: user.id, role: "authenticated" };
  let id: string;
  beforeAll(async () => {
    id = idOf(await startTestSession(user));
  });

  it("has RLS on", async () => {
    expect((await admin.query("select relrowsecurity from pg_class where oid = 'public.sessions'::regclass")).rows[0].relrowsecurity).toBe(true);
  });

  it.each([
    ["read sessions", "select * from public.sessions"],
    ["read their own session", "select * from public.sessions where user_id = $1"],
    ["revive a session", "update public.sessions set revoked_at = null, expires_at = now() + interval '1 year' where user_id = $1"],
    ["plant a session", `insert into public.sessions (id, user_id, name, expires_at) values ('${"b".repeat(64)}', $1, 'Eve', now() + interval '1 day')`],
    ["delete sessions", "delete from public.sessions where user_id = $1"],
  ])("neither anon nor an authenticated user (even the owner) can %s", async (_, sql) => {
    for (const [role, jwt] of [["anon", null], ["authenticated", claims]] as const) {
      const error = await pgError(asRole(admin, role, jwt, (c) => c.query(sql, sql.includes("$1") ? [user.id] : [])));
      expect(error.code, role).toBe("42501");
    }
    expect((await admin.query("select revoked_at from public.sessions where id = $1", [id])).rows[0]).toEqual({ revoked_at: null });
  });

  it.each(Object.keys(FUNCTIONS))("anon and authenticated get permission denied calling %s; service_role may", async (fn) => {
    for (const [role, jwt] of [["anon", null], ["authenticated", claims]] as const) {
      expect(await pgError(asRole(admin, role, jwt, (c) => c.query(FUNCTIONS[fn]!)))).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
    }
    await asRole(server, "service_role", null, (c) => c.query(FUNCTIONS[fn]!));
  });

  it("the server role too goes through the functions, never the table", async () => {
    expect((await pgError(asRole(server, "service_role", null, (c) => c.query("select * from public.sessions")))).code).toBe("42501");
  });

  it("every session function is SECURITY DEFINER with search_path ''", async () => {
    const { rows } = await admin.query<{ name: string; prosecdef: boolean; proconfig: string[] }>(
      "select proname as name, prosecdef, proconfig from pg_proc where pronamespace = 'public'::regnamespace and proname = any($1)",
      [Object.keys(FUNCTIONS)],
    );
    expect(rows).toHaveLength(4);
    for (const fn of rows) expect(fn, fn.name).toMatchObject({ prosecdef: true, proconfig: ['search_path=""'] });
  });
});
