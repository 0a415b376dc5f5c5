import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { createTestPool } from "./helpers/db";
import { callRpc, createServicePool, newRequestId } from "./helpers/metering";

let listRoute: typeof import("@/app/api/conversations/route");
let itemRoute: typeof import("@/app/api/conversations/[id]/route");
beforeAll(async () => {
  useAppEnv(); // before the app's modules load: lib/env.ts parses on first use
  listRoute = await import("@/app/api/conversations/route");
  itemRoute = await import("@/app/api/conversations/[id]/route");
});

const admin = createTestPool(2);
const server = createServicePool(4);
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
  // The app's own pool (lib/db/pool.ts), opened by the handlers: close it and forget it and its port.
  const app = globalThis as { tokenmeterPool?: { end(): Promise<void> }; tokenmeterRpc?: unknown };
  await app.tokenmeterPool?.end();
  delete app.tokenmeterPool;
  delete app.tokenmeterRpc;
});

type ErrorBody = { error: { code: string; message: string; details?: { fields?: { field: string; message: string }[] } } };

/** Seeds one exchange as the chat route will, through the SQL function. */
async function seed(user: TestUser, a: { id?: string; title?: string; at?: string } = {}) {
  const id = a.id ?? randomUUID();
  await callRpc(server, "save_chat_exchange", {
    p_user_id: user.id,
    p_conversation_id: id,
    p_title: a.title ?? "Seeded",
    p_model: "openai/gpt-4o-mini",
    p_user_message: "Hello",
    p_assistant_message: "Hi!",
    p_request_id: newRequestId(),
    p_now: a.at,
  });
  return id;
}

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const list = async (query: string, user?: TestUser) => listRoute.GET(await appRequest(`/api/conversations${query}`, { user }));
const getOne = async (id: string, user?: TestUser) => itemRoute.GET(await appRequest(`/api/conversations/${id}`, { user }), ctx(id));
const patch = async (id: string, user: TestUser | undefined, init: { json?: unknown; body?: string; headers?: Record<string, string> }) =>
  itemRoute.PATCH(await appRequest(`/api/conversations/${id}`, { method: "PATCH", user, ...init }), ctx(id));
const del = async (id: string, user?: TestUser) => itemRoute.DELETE(await appRequest(`/api/conversations/${id}`, { method: "DELETE", user }), ctx(id));

async function expectError(response: Response, status: number, code: string, field?: string): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  if (field) {
    expect(body.error.details?.fields?.map((f) => f.field)).toContain(field);
    expect(body.error.message).toContain(field);
  }
  return body;
}

describe("signed out", () => {
  it("every route answers 401 and touches nothing", async () => {
    const owner = newTestUser();
    const id = await seed(owner);
    for (const response of [await list(""), await getOne(id), await patch(id, undefined, { json: { title: "x" } }), await del(id)]) {
      await expectError(response, 401, "unauthorized");
    }
    expect((await admin.query("select title from public.conversations where id = $1", [id])).rows).toEqual([{ title: "Seeded" }]);
  });

  it("answers 401 before validating the id", async () => {
    await expectError(await getOne("not-a-uuid"), 401, "unauthorized");
  });
});

describe("GET /api/conversations", () => {
  const user = newTestUser("Lister");
  const ids: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) ids.push(await seed(user, { title: `Chat ${i}`, at: new Date(Date.UTC(2026, 10, 25, 9, 0, i)).toISOString() }));
  });

  it("lists the user's conversations newest first", async () => {
    const response = await list("", user);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toMatch(/^no-store(, no-transform)?$/);
    const body = await response.json();
    expect(body.nextBefore).toBeNull();
    expect(body.items.map((c: { title: string }) => c.title)).toEqual(["Chat 4", "Chat 3", "Chat 2", "Chat 1", "Chat 0"]);
    expect(body.items[0]).toEqual({
      id: ids[4],
      title: "Chat 4",
      model: "openai/gpt-4o-mini",
      createdAt: "2026-11-25T09:00:04.000Z",
      updatedAt: "2026-11-25T09:00:04.000Z",
      messageCount: 2,
    });
  });

  it("pages with limit and before=nextBefore", async () => {
    const first = await (await list("?limit=2", user)).json();
    expect(first.items.map((c: { title: string }) => c.title)).toEqual(["Chat 4", "Chat 3"]);
    expect(first.nextBefore).toBe("2026-11-25T09:00:03.000Z");
    const second = await (await list(`?limit=2&before=${encodeURIComponent(first.nextBefore)}`, user)).json();
    expect(second.items.map((c: { title: string }) => c.title)).toEqual(["Chat 2", "Chat 1"]);
    const third = await (await list(`?limit=2&before=${encodeURIComponent(second.nextBefore)}`, user)).json();
    expect(third).toEqual({ items: [expect.objectContaining({ title: "Chat 0" })], nextBefore: null });
  });

  it("shows nobody else's conversations", async () => {
    const body = await (await list("", newTestUser())).json();
    expect(body).toEqual({ items: [], nextBefore: null });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["limit=2.5", "limit"],
    ["before=yesterday", "before"],
    ["before=2026-11-25", "before"],
  ])("answers 400 naming the field for ?%s", async (query, field) => {
    await expectError(await list(`?${query}`, user), 400, "bad_request", field);
  });
});

describe("GET /api/conversations/[id]", () => {
  it("returns the conversation with its messages", async () => {
    const user = newTestUser();
    const id = await seed(user, { title: "Trip" });
    const response = await getOne(id, user);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ id, title: "Trip", model: "openai/gpt-4o-mini", messageCount: 2 });
    expect(body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["user", "Hello"],
      ["assistant", "Hi!"],
    ]);
    expect(body.messages[1]).toMatchObject({ model: "openai/gpt-4o-mini", requestId: expect.stringMatching(/^req_/) });
  });

  it("answers 404 for another user's id, exactly as for a missing one", async () => {
    const id = await seed(newTestUser());
    const intruder = newTestUser();
    const theirs = await expectError(await getOne(id, intruder), 404, "not_found");
    const missing = await expectError(await getOne(randomUUID(), intruder), 404, "not_found");
    expect(theirs).toEqual(missing);
    expect(theirs.error.message).toBe("Conversation not found.");
  });

  it("answers 400 naming id for a bad uuid", async () => {
    await expectError(await getOne("not-a-uuid", newTestUser()), 400, "bad_request", "id");
  });
});

describe("PATCH /api/conversations/[id]", () => {
  it("renames (trimmed) and returns the summary", async () => {
    const user = newTestUser();
    const id = await seed(user);
    const response = await patch(id, user, { json: { title: "  New name " } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id, title: "New name", messageCount: 2 });
    expect((await admin.query("select title from public.conversations where id = $1", [id])).rows).toEqual([{ title: "New name" }]);
  });

  it("answers 404 for another user's id and changes nothing", async () => {
    const id = await seed(newTestUser());
    await expectError(await patch(id, newTestUser(), { json: { title: "Mine" } }), 404, "not_found");
    expect((await admin.query("select title from public.conversations where id = $1", [id])).rows).toEqual([{ title: "Seeded" }]);
  });

  it.each([
    ["an empty title", { title: "" }],
    ["a blank title", { title: "   " }],
    ["a too long title", { title: "x".repeat(201) }],
    ["a missing title", {}],
    ["a numeric title", { title: 42 }],
  ])("answers 400 naming title for %s", async (_name, json) => {
    const user = newTestUser();
    const id = await seed(user);
    await expectError(await patch(id, user, { json }), 400, "bad_request", "title");
  });

  it("answers 400 for invalid JSON", async () => {
    const user = newTestUser();
    const id = await seed(user);
    const body = await expectError(await patch(id, user, { body: "{not json", headers: { "content-type": "application/json" } }), 400, "bad_request");
    expect(body.error.message).toBe("Invalid body: not valid JSON");
  });

  it("answers 400 naming id for a bad uuid", async () => {
    await expectError(await patch("123", newTestUser(), { json: { title: "x" } }), 400, "bad_request", "id");
  });
});

describe("DELETE /api/conversations/[id]", () => {
  it("deletes with 204, then the conversation is 404", async () => {
    const user = newTestUser();
    const id = await seed(user);
    const response = await del(id, user);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect((await admin.query("select count(*)::int as n from public.messages where conversation_id = $1", [id])).rows[0]).toEqual({ n: 0 });
    await expectError(await getOne(id, user), 404, "not_found");
    await expectError(await del(id, user), 404, "not_found");
  });

  it("answers 404 for another user's id and deletes nothing", async () => {
    const owner = newTestUser();
    const id = await seed(owner);
    await expectError(await del(id, newTestUser()), 404, "not_found");
    expect((await getOne(id, owner)).status).toBe(200);
  });

  it("answers 400 naming id for a bad uuid", async () => {
    await expectError(await del("zzz", newTestUser()), 400, "bad_request", "id");
  });
});
