import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asRole, createTestPool } from "./helpers/db";
import { callRpc, createServicePool, newRequestId, newUserId, pgError, type Queryable } from "./helpers/metering";

const admin = createTestPool(4); // superuser: owner of the tables, reads behind the functions
const server = createServicePool(10); // the server's role
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

const MODEL = "openai/gpt-4o-mini";
const claims = (sub: string) => ({ sub, role: "authenticated" });

type Saved = { conversation_id: string; title: string; created: boolean; appended: boolean };
type Summary = { id: string; title: string; model: string | null; created_at: string; updated_at: string; message_count: number };
type Page = { items: Summary[]; next_before: string | null };
type Full = Summary & {
  messages: { id: number; role: string; content: string; model: string | null; request_id: string | null; created_at: string }[];
};

function save(
  db: Queryable,
  a: { userId: string; conversationId: string; title?: string; model?: string | null; user?: string; assistant?: string; requestId?: string; now?: Date },
) {
  return callRpc<Saved>(db, "save_chat_exchange", {
    p_user_id: a.userId,
    p_conversation_id: a.conversationId,
    p_title: a.title ?? "A chat",
    p_model: a.model === undefined ? MODEL : a.model,
    p_user_message: a.user ?? "Hello",
    p_assistant_message: a.assistant ?? "Hi there",
    p_request_id: a.requestId ?? newRequestId(),
    p_now: a.now?.toISOString(),
  });
}
const list = (userId: string, limit?: number, before?: string | null) =>
  callRpc<Page>(server, "list_conversations", { p_user_id: userId, p_limit: limit, p_before: before ?? undefined });
const get = (userId: string, id: string) => callRpc<Full>(server, "get_conversation", { p_user_id: userId, p_conversation_id: id });
const rename = (userId: string, id: string, title: string | null) =>
  callRpc<Summary>(server, "rename_conversation", { p_user_id: userId, p_conversation_id: id, p_title: title });
const remove = (userId: string, id: string) => callRpc<{ deleted: boolean }>(server, "delete_conversation", { p_user_id: userId, p_conversation_id: id });
const exists = (userId: string, id: string) => callRpc<{ exists: boolean }>(server, "conversation_exists", { p_user_id: userId, p_conversation_id: id });

/** Everything stored about a conversation, read as the owner. */
async function snapshot(id: string) {
  const conversation = (await admin.query("select * from public.conversations where id = $1", [id])).rows;
  const messages = (await admin.query("select * from public.messages where conversation_id = $1 order by id", [id])).rows;
  return { conversation, messages };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("save_chat_exchange", () => {
  it("creates the conversation with the given id for the user, then appends to it", async () => {
    const userId = newUserId();
    const id = randomUUID();
    const first = await save(server, { userId, conversationId: id, title: "  Planning a trip  ", user: "Where to?", assistant: "Lisbon." });
    expect(first).toEqual({ conversation_id: id, title: "Planning a trip", created: true, appended: true });

    const second = await save(server, { userId, conversationId: id, title: "ignored", model: "openai/gpt-4o", user: "When?", assistant: "May." });
    expect(second).toEqual({ conversation_id: id, title: "Planning a trip", created: false, appended: true });

    const conversation = await get(userId, id);
    expect(conversation).toMatchObject({ id, title: "Planning a trip", model: "openai/gpt-4o", message_count: 4 });
    expect(conversation.messages.map((m) => [m.role, m.content, m.model])).toEqual([
      ["user", "Where to?", null],
      ["assistant", "Lisbon.", MODEL],
      ["user", "When?", null],
      ["assistant", "May.", "openai/gpt-4o"],
    ]);
    expect(conversation.created_at).toMatch(ISO);
    expect(conversation.messages[0]!.created_at).toMatch(ISO);
    const rows = await admin.query("select distinct user_id from public.messages where conversation_id = $1", [id]);
    expect(rows.rows).toEqual([{ user_id: userId }]);
  });

  it("is idempotent on the request id: a retry appends nothing", async () => {
    const userId = newUserId();
    const id = randomUUID();
    const requestId = newRequestId();
    await save(server, { userId, conversationId: id, requestId });
    const before = await snapshot(id);
    const retry = await save(server, { userId, conversationId: id, requestId, user: "different", assistant: "different" });
    expect(retry).toEqual({ conversation_id: id, title: "A chat", created: false, appended: false });
    expect(await snapshot(id)).toEqual(before);
    // Even a retry naming another (new) conversation reports the first one and creates nothing.
    const elsewhere = randomUUID();
    expect(await save(server, { userId, conversationId: elsewhere, requestId })).toMatchObject({ conversation_id: id, appended: false });
    expect((await snapshot(elsewhere)).conversation).toEqual([]);
  });

  it("concurrent saves of one request append once", async () => {
    const userId = newUserId();
    const id = randomUUID();
    const requestId = newRequestId();
    const results = await Promise.all(Array.from({ length: 8 }, () => save(server, { userId, conversationId: id, requestId })));
    expect(results.filter((r) => r.appended)).toHaveLength(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await get(userId, id)).message_count).toBe(2);
  });

  it("concurrent saves of different requests into a new conversation create it once and keep every message (no deadlock)", async () => {
    for (let round = 0; round < 10; round++) {
      const userId = newUserId();
      const id = randomUUID();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => save(server, { userId, conversationId: id, user: `q${i}` })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.appended)).toBe(true);
      expect((await get(userId, id)).message_count).toBe(16);
    }
  });

  it("stores only a non-empty assistant message", async () => {
    const userId = newUserId();
    const id = randomUUID();
    await save(server, { userId, conversationId: id, assistant: "" });
    const conversation = await get(userId, id);
    expect(conversation.messages.map((m) => m.role)).toEqual(["user"]);
    expect(conversation.messages[0]!.request_id).toMatch(/^req_/);
  });

  it("titles a new conversation 'New conversation' when blank, and cuts a long one to 200 characters", async () => {
    const userId = newUserId();
    const blank = randomUUID();
    expect((await save(server, { userId, conversationId: blank, title: "   " })).title).toBe("New conversation");
    const long = randomUUID();
    expect((await save(server, { userId, conversationId: long, title: "x".repeat(300) })).title).toBe("x".repeat(200));
  });

  it("refuses bad input with 22023 naming the function and parameter", async () => {
    const userId = newUserId();
    expect(await pgError(save(server, { userId: "", conversationId: randomUUID() }))).toEqual({
      code: "22023",
      message: "save_chat_exchange: p_user_id must be a non-empty string",
    });
    expect(await pgError(save(server, { userId, conversationId: randomUUID(), requestId: " " }))).toMatchObject({ code: "22023" });
    expect(
      await pgError(
        callRpc(server, "save_chat_exchange", {
          p_user_id: userId,
          p_conversation_id: null,
          p_title: "t",
          p_model: null,
          p_user_message: "m",
          p_assistant_message: "",
          p_request_id: newRequestId(),
        }),
      ),
    ).toEqual({ code: "22023", message: "save_chat_exchange: p_conversation_id must not be null" });
  });
});

describe("list_conversations", () => {
  const userId = newUserId();
  const ids: string[] = []; // oldest first
  const base = Date.parse("2026-11-25T10:00:00.000Z");

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) {
      const id = randomUUID();
      ids.push(id);
      await save(server, { userId, conversationId: id, title: `Chat ${i}`, now: new Date(base + i * 1000) });
    }
    // Chat 1 gets a new exchange: it moves to the top.
    await save(server, { userId, conversationId: ids[1]!, now: new Date(base + 60_000) });
  });

  it("lists newest first with message counts", async () => {
    const page = await list(userId);
    expect(page.next_before).toBeNull();
    expect(page.items.map((c) => c.title)).toEqual(["Chat 1", "Chat 6", "Chat 5", "Chat 4", "Chat 3", "Chat 2", "Chat 0"]);
    expect(page.items[0]).toEqual({
      id: ids[1],
      title: "Chat 1",
      model: MODEL,
      created_at: new Date(base + 1000).toISOString(),
      updated_at: new Date(base + 60_000).toISOString(),
      message_count: 4,
    });
    expect(page.items[1]!.message_count).toBe(2);
  });

  it("pages with the next_before cursor, skipping and repeating nothing", async () => {
    const first = await list(userId, 3);
    expect(first.items.map((c) => c.title)).toEqual(["Chat 1", "Chat 6", "Chat 5"]);
    expect(first.next_before).toBe(new Date(base + 5000).toISOString());
    const second = await list(userId, 3, first.next_before);
    expect(second.items.map((c) => c.title)).toEqual(["Chat 4", "Chat 3", "Chat 2"]);
    const third = await list(userId, 3, second.next_before);
    expect(third.items.map((c) => c.title)).toEqual(["Chat 0"]);
    expect(third.next_before).toBeNull();
  });

  it("keeps conversations that share the boundary time on one page", async () => {
    const other = newUserId();
    const at = new Date("2026-11-25T12:00:00.000Z");
    for (const title of ["a", "b", "c"]) await save(server, { userId: other, conversationId: randomUUID(), title, now: at });
    await save(server, { userId: other, conversationId: randomUUID(), title: "older", now: new Date(at.getTime() - 1) });
    const first = await list(other, 2);
    expect(first.items).toHaveLength(3);
    expect(first.next_before).toBe(at.toISOString());
    const second = await list(other, 2, first.next_before);
    expect(second.items.map((c) => c.title)).toEqual(["older"]);
    expect(second.next_before).toBeNull();
  });

  it("is empty for a user with no conversations, and never shows another user's", async () => {
    expect(await list(newUserId())).toEqual({ items: [], next_before: null });
    const page = await list(userId, 100);
    expect(page.items.every((c) => ids.includes(c.id))).toBe(true);
  });

  it.each([0, 101, -1])("refuses p_limit %s with 22023", async (limit) => {
    expect(await pgError(list(userId, limit))).toEqual({
      code: "22023",
      message: `list_conversations: p_limit must be between 1 and 100 (got ${limit})`,
    });
  });
});

describe("rename_conversation and delete_conversation", () => {
  it("renames (trimmed) without moving the conversation in the list", async () => {
    const userId = newUserId();
    const id = randomUUID();
    await save(server, { userId, conversationId: id, now: new Date("2026-11-25T08:00:00.000Z") });
    const renamed = await rename(userId, id, "  Better title ");
    expect(renamed).toMatchObject({ id, title: "Better title", updated_at: "2026-11-25T08:00:00.000Z", message_count: 2 });
    expect((await get(userId, id)).title).toBe("Better title");
  });

  it.each([
    ["empty", "", "rename_conversation: p_title must be a non-empty string"],
    ["blank", "   ", "rename_conversation: p_title must be a non-empty string"],
    ["null", null, "rename_conversation: p_title must be a non-empty string"],
    ["too long", "y".repeat(201), "rename_conversation: p_title must be at most 200 characters (got 201)"],
  ])("refuses a %s title with 22023", async (_name, title, message) => {
    const userId = newUserId();
    const id = randomUUID();
    await save(server, { userId, conversationId: id });
    expect(await pgError(rename(userId, id, title))).toEqual({ code: "22023", message });
  });

  it("accepts a 200-character title", async () => {
    const userId = newUserId();
    const id = randomUUID();
    await save(server, { userId, conversationId: id });
    expect((await rename(userId, id, "z".repeat(200))).title).toHaveLength(200);
  });

  it("deletes the conversation and its messages", async () => {
    const userId = newUserId();
    const id = randomUUID();
    await save(server, { userId, conversationId: id });
    await save(server, { userId, conversationId: id });
    expect(await remove(userId, id)).toEqual({ deleted: true });
    expect(await snapshot(id)).toEqual({ conversation: [], messages: [] });
    expect(await exists(userId, id)).toEqual({ exists: false });
    expect(await pgError(remove(userId, id))).toEqual({ code: "P0002", message: "delete_conversation: conversation not found" });
  });

  it("answers P0002 for an unknown id", async () => {
    const userId = newUserId();
    const id = randomUUID();
    expect(await pgError(get(userId, id))).toEqual({ code: "P0002", message: "get_conversation: conversation not found" });
    expect(await pgError(rename(userId, id, "x"))).toEqual({ code: "P0002", message: "rename_conversation: conversation not found" });
  });
});

describe("another user's conversation", () => {
  const owner = newUserId();
  const intruder = newUserId();
  const id = randomUUID();
  beforeAll(async () => {
    await save(server, { userId: owner, conversationId: id, title: "Private", user: "secret", assistant: "reply" });
  });

  it("does not exist for them", async () => {
    expect(await exists(owner, id)).toEqual({ exists: true });
    expect(await exists(intruder, id)).toEqual({ exists: false });
  });

  it("get, rename, delete and save raise P0002 with the same message as for a missing id, and nothing changes", async () => {
    const before = await snapshot(id);
    expect(await pgError(get(intruder, id))).toEqual({ code: "P0002", message: "get_conversation: conversation not found" });
    expect(await pgError(rename(intruder, id, "Mine now"))).toEqual({ code: "P0002", message: "rename_conversation: conversation not found" });
    expect(await pgError(remove(intruder, id))).toEqual({ code: "P0002", message: "delete_conversation: conversation not found" });
    expect(await pgError(save(server, { userId: intruder, conversationId: id, user: "injected" }))).toEqual({
      code: "P0002",
      message: "save_chat_exchange: conversation not found",
    });
    expect(await snapshot(id)).toEqual(before);
    expect((await admin.query("select count(*)::int as n from public.messages where user_id = $1", [intruder])).rows[0]).toEqual({ n: 0 });
    expect((await list(intruder)).items).toEqual([]);
  });
});

describe("row level security and privileges", () => {
  const userA = newUserId();
  const userB = newUserId();
  const idA = randomUUID();
  const idB = randomUUID();
  beforeAll(async () => {
    await save(server, { userId: userA, conversationId: idA });
    await save(server, { userId: userB, conversationId: idB });
  });

  it("is enabled on both tables, with one SELECT policy each for authenticated reading the subject once per statement", async () => {
    const rls = await admin.query("select relname, relrowsecurity from pg_class where oid in ('public.conversations'::regclass, 'public.messages'::regclass) order by 1");
    expect(rls.rows).toEqual([
      { relname: "conversations", relrowsecurity: true },
      { relname: "messages", relrowsecurity: true },
    ]);
    const { rows } = await admin.query<{ tablename: string; cmd: string; roles: string[]; qual: string }>(
      "select tablename, cmd, roles::text[] as roles, qual from pg_policies where schemaname = 'public' and tablename in ('conversations', 'messages') order by tablename",
    );
    expect(rows.map((r) => [r.tablename, r.cmd, r.roles])).toEqual([
      ["conversations", "SELECT", ["authenticated"]],
      ["messages", "SELECT", ["authenticated"]],
    ]);
    for (const policy of rows) expect(policy.qual.replace(/\s+/g, " ")).toBe("(user_id = ( SELECT (auth.jwt() ->> 'sub'::text)))");
  });

  it.each(["conversations", "messages"])("user B reads only their own %s, none of A's", async (table) => {
    const rows = await asRole(admin, "authenticated", claims(userB), async (c) => (await c.query(`select user_id from public.${table}`)).rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.user_id === userB)).toBe(true);
    const column = table === "conversations" ? "id" : "conversation_id";
    const aRows = await asRole(admin, "authenticated", claims(userB), async (c) => (await c.query(`select * from public.${table} where ${column} = $1`, [idA])).rows);
    expect(aRows).toEqual([]);
  });

  it.each(["conversations", "messages"])("user A reads their own %s", async (table) => {
    const column = table === "conversations" ? "id" : "conversation_id";
    const rows = await asRole(admin, "authenticated", claims(userA), async (c) => (await c.query(`select user_id from public.${table} where ${column} = $1`, [idA])).rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.user_id === userA)).toBe(true);
  });

  it.each(["conversations", "messages"])("a request without a subject reads nothing from %s", async (table) => {
    const rows = await asRole(admin, "authenticated", { role: "authenticated" }, async (c) => (await c.query(`select * from public.${table}`)).rows);
    expect(rows).toEqual([]);
  });

  const writes: [string, string][] = [
    ["create a conversation", "insert into public.conversations (user_id, title) values ($1, 'mine')"],
    ["rename a conversation", "update public.conversations set title = 'renamed' where user_id = $1"],
    ["delete a conversation", "delete from public.conversations where user_id = $1"],
    ["add a message", `insert into public.messages (conversation_id, user_id, role, content) values ('${idA}', $1, 'assistant', 'forged')`],
    ["edit a message", "update public.messages set content = 'edited' where user_id = $1"],
    ["delete a message", "delete from public.messages where user_id = $1"],
    ["truncate messages", "truncate public.messages"],
  ];
  it.each(writes)("authenticated user A cannot %s (permission denied, nothing changes)", async (_name, sql) => {
    const before = await snapshot(idA);
    const error = await pgError(asRole(admin, "authenticated", claims(userA), (c) => c.query(sql, sql.includes("$1") ? [userA] : [])));
    expect(error.code).toBe("42501");
    expect(error.message).toMatch(/permission denied/);
    expect(await snapshot(idA)).toEqual(before);
  });

  it.each(["conversations", "messages", "rate_limit_windows"])("anon reads nothing from %s (permission denied)", async (table) => {
    const error = await pgError(asRole(admin, "anon", null, (c) => c.query(`select * from public.${table}`)));
    expect(error.code).toBe("42501");
  });

  it("service_role may read and delete but not insert or update directly", async () => {
    await asRole(server, "service_role", null, async (c) => {
      await c.query("select * from public.messages where conversation_id = $1", [idA]);
    });
    for (const sql of [
      "insert into public.conversations (user_id, title) values ($1, 'direct')",
      "update public.messages set content = 'x' where user_id = $1",
    ]) {
      const error = await pgError(asRole(server, "service_role", null, (c) => c.query(sql, [userA])));
      expect(error.code, sql).toBe("42501");
    }
  });

  const RPCS = [
    "save_chat_exchange(text,uuid,text,text,text,text,text,timestamp with time zone)",
    "conversation_exists(text,uuid)",
    "list_conversations(text,integer,timestamp with time zone)",
    "get_conversation(text,uuid)",
    "rename_conversation(text,uuid,text)",
    "delete_conversation(text,uuid)",
  ];
  const HELPERS = ["build_conversation_summary(conversations)", "require_title(text,text)", "require_conversation_id(text,uuid)"];

  it("the RPCs are SECURITY DEFINER with search_path '' and executable by service_role only; the helpers by nobody", async () => {
    const { rows } = await admin.query<{ fn: string; prosecdef: boolean; proconfig: string[]; anon: boolean; authenticated: boolean; service: boolean }>(
      `select p.oid::regprocedure::text as fn, p.prosecdef, p.proconfig,
              has_function_privilege('anon', p.oid, 'EXECUTE') as anon,
              has_function_privilege('authenticated', p.oid, 'EXECUTE') as authenticated,
              has_function_privilege('service_role', p.oid, 'EXECUTE') as service
       from pg_proc p where p.pronamespace = 'public'::regnamespace and p.oid::regprocedure::text = any($1)`,
      [[...RPCS, ...HELPERS]],
    );
    expect(rows).toHaveLength(RPCS.length + HELPERS.length);
    for (const fn of rows) {
      const rpc = RPCS.includes(fn.fn);
      expect(fn, fn.fn).toMatchObject({ prosecdef: rpc, proconfig: ['search_path=""'], anon: false, authenticated: false, service: rpc });
    }
  });

  it.each([
    ["save_chat_exchange", `select public.save_chat_exchange('u', '${randomUUID()}', 't', null, 'm', 'a', 'r')`],
    ["conversation_exists", `select public.conversation_exists('u', '${randomUUID()}')`],
    ["list_conversations", "select public.list_conversations('u')"],
    ["get_conversation", `select public.get_conversation('u', '${randomUUID()}')`],
    ["rename_conversation", `select public.rename_conversation('u', '${randomUUID()}', 't')`],
    ["delete_conversation", `select public.delete_conversation('u', '${randomUUID()}')`],
  ])("anon and authenticated get permission denied calling %s", async (fn, sql) => {
    for (const role of ["anon", "authenticated"] as const) {
      const error = await pgError(asRole(admin, role, claims(userA), (c) => c.query(sql)));
      expect(error, role).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
    }
  });
});
