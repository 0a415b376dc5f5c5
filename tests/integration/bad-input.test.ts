import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { createIsolatedDatabase, type IsolatedDatabase } from "./helpers/isolated-db";

/**
 * Bad input everywhere: every route that takes a body or a query gets malformed JSON, the wrong
 * shapes, a 10 MB body, unknown fields, injection strings in every id, and negative, fractional,
 * infinite (1e309) and huge numbers in every number. Each must be a 4xx whose body names the field
 * (or the body), within 5 s, and the database must be exactly as it was: every table's rows are
 * hashed before and after. The app runs on a database of its own, so the other test files' writes
 * never show up in the hash.
 */
type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Kind = "id" | "number" | "text" | "enum" | "bool" | "array" | "object" | "email" | "decimal";
type BodyRoute = {
  name: string;
  path: string;
  method: "POST" | "PATCH";
  load: () => Promise<unknown>;
  params?: Record<string, string>;
  user: "member" | "admin" | "none";
  valid: Record<string, unknown>;
  fields: Record<string, Kind>;
  /** Other words an error may name a field by (an unknown plan id: "unknown plan …"). */
  aliases?: Record<string, string[]>;
};
type QueryRoute = {
  name: string;
  path: string;
  load: () => Promise<unknown>;
  user: "member" | "admin";
  fields: Record<string, Kind>;
};

let iso: IsolatedDatabase;
const member = newTestUser("Bad input member");
const admin = newTestUser("Bad input admin");
const conversationId = randomUUID();
const INJECTION = "x'); drop table public.accounts; --";

const userActionRoutes = {
  plan: () => import("@/app/api/admin/users/[id]/plan/route"),
  "cap-override": () => import("@/app/api/admin/users/[id]/cap-override/route"),
  "reset-usage": () => import("@/app/api/admin/users/[id]/reset-usage/route"),
  grant: () => import("@/app/api/admin/users/[id]/grant/route"),
  "top-up": () => import("@/app/api/admin/users/[id]/top-up/route"),
};

const bodyRoutes: BodyRoute[] = [
  {
    name: "POST /api/chat",
    path: "/api/chat",
    method: "POST",
    load: () => import("@/app/api/chat/route"),
    user: "member",
    valid: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], maxTokens: 10 },
    fields: { model: "id", messages: "array", maxTokens: "number", conversationId: "id" },
  },
  {
    name: "PATCH /api/conversations/:id",
    path: `/api/conversations/${conversationId}`,
    method: "PATCH",
    load: () => import("@/app/api/conversations/[id]/route"),
    params: { id: conversationId },
    user: "member",
    valid: { title: "A title" },
    fields: { title: "object" },
  },
  {
    name: "POST /api/tokens/alerts/ack",
    path: "/api/tokens/alerts/ack",
    method: "POST",
    load: () => import("@/app/api/tokens/alerts/ack/route"),
    user: "member",
    valid: { thresholds: [80] },
    fields: { thresholds: "array" },
  },
  {
    name: "POST /api/auth/sign-in",
    path: "/api/auth/sign-in",
    method: "POST",
    load: () => import("@/app/api/auth/sign-in/route"),
    user: "none",
    valid: { name: "Valid Name", email: "a@b.co" },
    fields: { name: "id", email: "email" },
  },
  {
    name: "PATCH /api/admin/plans",
    path: "/api/admin/plans",
    method: "PATCH",
    load: () => import("@/app/api/admin/plans/route"),
    user: "admin",
    valid: { id: "free", tokenCap: 40000 },
    fields: { id: "id", tokenCap: "number", maxOutputTokens: "number", period: "enum", modelTiers: "array" },
    aliases: { id: ["unknown plan"] },
  },
  {
    name: "PATCH /api/admin/models",
    path: "/api/admin/models",
    method: "PATCH",
    load: () => import("@/app/api/admin/models/route"),
    user: "admin",
    valid: { id: "openai/gpt-4o-mini", contextWindow: 128000 },
    fields: { id: "id", contextWindow: "number", inputPricePerMtok: "decimal", promptTokenFactor: "decimal", enabled: "bool", tier: "enum" },
    aliases: { id: ["unknown model"] },
  },
  {
    name: "PATCH /api/admin/settings",
    path: "/api/admin/settings",
    method: "PATCH",
    load: () => import("@/app/api/admin/settings/route"),
    user: "admin",
    valid: { holdTtlSeconds: 600 },
    fields: { holdTtlSeconds: "number", starterBalance: "number", balanceExpiryDays: "number" },
  },
  ...(["plan", "cap-override", "reset-usage", "grant", "top-up"] as const).map(
    (action): BodyRoute => ({
      name: `POST /api/admin/users/:id/${action}`,
      path: `/api/admin/users/${member.id}/${action}`,
      method: "POST",
      load: userActionRoutes[action],
      params: { id: member.id },
      user: "admin",
      valid: {
        plan: { planId: "free" },
        "cap-override": { cap: 1000 },
        "reset-usage": { reason: "test" },
        grant: { tokens: 10, reason: "test" },
        "top-up": { tokens: 10, paymentRef: "pay_1" },
      }[action],
      fields: {
        plan: { planId: "id" },
        "cap-override": { cap: "number" },
        "reset-usage": { reason: "object" },
        grant: { tokens: "number", reason: "object" },
        // A payment reference is free text (stored as given, safely): only wrong types are bad.
        "top-up": { tokens: "number", paymentRef: "text" },
      }[action] as Record<string, Kind>,
      aliases: { planId: ["unknown plan"] },
    }),
  ),
  {
    name: "POST /api/admin/jobs/expire-balances",
    path: "/api/admin/jobs/expire-balances",
    method: "POST",
    load: () => import("@/app/api/admin/jobs/expire-balances/route"),
    user: "admin",
    valid: {},
    fields: { reason: "object" },
  },
];

const queryRoutes: QueryRoute[] = [
  { name: "GET /api/usage/history", path: "/api/usage/history", load: () => import("@/app/api/usage/history/route"), user: "member", fields: { range: "enum", limit: "number", cursor: "id" } },
  { name: "GET /api/usage/daily", path: "/api/usage/daily", load: () => import("@/app/api/usage/daily/route"), user: "member", fields: { days: "number" } },
  { name: "GET /api/usage/by-model", path: "/api/usage/by-model", load: () => import("@/app/api/usage/by-model/route"), user: "member", fields: { range: "enum" } },
  { name: "GET /api/usage/export.csv", path: "/api/usage/export.csv", load: () => import("@/app/api/usage/export.csv/route"), user: "member", fields: { range: "enum" } },
  { name: "GET /api/conversations", path: "/api/conversations", load: () => import("@/app/api/conversations/route"), user: "member", fields: { limit: "number", before: "id" } },
  { name: "GET /api/admin/users", path: "/api/admin/users", load: () => import("@/app/api/admin/users/route"), user: "admin", fields: { limit: "number" } },
  { name: "GET /api/admin/audit", path: "/api/admin/audit", load: () => import("@/app/api/admin/audit/route"), user: "admin", fields: { limit: "number", cursor: "number", from: "id", action: "id" } },
  { name: "GET /api/admin/analytics", path: "/api/admin/analytics", load: () => import("@/app/api/admin/analytics/route"), user: "admin", fields: { view: "enum", from: "id", to: "id", limit: "number" } },
];

/** Raw JSON texts for a value of the wrong kind, or out of range, for a field of `kind`. */
function badValues(kind: Kind): string[] {
  const injection = JSON.stringify(INJECTION);
  const common = ["{}", "[]"];
  switch (kind) {
    case "id":
      return [injection, '""', "5", ...common];
    case "email":
      return [injection, '"not-an-address"', "5", ...common];
    case "number":
      return ["-1", "1.5", "1e309", "-1e309", "1e20", '"12"', "true", ...common];
    case "decimal":
      return ["-1", "1e309", "-1e309", "1e20", '"12"', "true", ...common];
    case "text":
    case "object":
      return ["5", "true", ...common];
    case "enum":
      return ['"bogus"', "7", ...common];
    case "bool":
      return ['"yes"', "1", ...common];
    case "array":
      return ['"not an array"', "[1, 2]", "{}", "5"];
  }
}

/** Query values that are not what the parameter takes. */
function badQueryValues(kind: Kind): string[] {
  switch (kind) {
    case "number":
      return ["-1", "1.5", "1e309", "1e20", "abc", ""];
    case "enum":
      return ["bogus", INJECTION];
    default:
      return [INJECTION, "%00", "x".repeat(5000)];
  }
}

/** Every row of every table in public, hashed: equal hashes, nothing changed. */
async function databaseHash(): Promise<Record<string, string>> {
  const { rows: tables } = await iso.owner.query<{ name: string }>(
    "select tablename as name from pg_tables where schemaname = 'public' order by 1",
  );
  const hashes: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await iso.owner.query(`select count(*)::int as n, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as h from public.${name} t`);
    hashes[name] = `${rows[0].n}:${rows[0].h}`;
  }
  return hashes;
}

const userOf = (who: "member" | "admin" | "none") => (who === "member" ? member : who === "admin" ? admin : undefined);

async function send(route: { load: () => Promise<unknown>; path: string }, method: string, user: TestUser | undefined, body?: string, params: Record<string, string> = {}) {
  const handler = ((await route.load()) as Record<string, Handler>)[method]!;
  const request = await appRequest(route.path, {
    method,
    user,
    ...(body !== undefined ? { body, headers: { "content-type": "application/json" } } : {}),
  });
  const started = performance.now();
  const response = await handler(request, { params: Promise.resolve(params) });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

function expectRefused(result: { status: number; text: string; ms: number }, names: string[], label: string) {
  expect(result.status, `${label}: ${result.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(result.status, label).toBeLessThan(500);
  expect(result.ms, label).toBeLessThan(5_000);
  const body = JSON.parse(result.text) as { error: { code: string; message: string } };
  expect(typeof body.error.code, label).toBe("string");
  expect(
    names.some((name) => result.text.includes(name)),
    `${label}: the error should name ${names.join(" or ")}: ${result.text.slice(0, 300)}`,
  ).toBe(true);
}

beforeAll(async () => {
  iso = await createIsolatedDatabase();
  useAppEnv({ DATABASE_URL: iso.url, ADMIN_USER_IDS: admin.id });
  vi.resetModules();
  await iso.owner.query("select public.bootstrap_admins(array[$1])", [admin.id]);
  await iso.owner.query("insert into public.accounts (user_id) values ($1)", [member.id]);
  await iso.owner.query("insert into public.conversations (id, user_id, title, model) values ($1, $2, 'Mine', 'openai/gpt-4o-mini')", [conversationId, member.id]);
  // Sessions exist and have been seen before the first hash.
  const status = (await import("@/app/api/tokens/current/route")) as unknown as Record<string, Handler>;
  for (const user of [member, admin]) await status.GET!(await appRequest("/api/tokens/current", { user }), { params: Promise.resolve({}) });
}, 60_000);
afterAll(async () => {
  await iso?.end();
});

describe("bad input on every route: 4xx naming the field, fast, nothing changed", () => {
  it.each(bodyRoutes)("$name", async (route) => {
    const before = await databaseHash();
    const user = userOf(route.user);
    const bodyNames = ["(body)", "body"];
    for (const [label, body] of [
      ["malformed JSON", '{"a":'],
      ["an array", "[]"],
      ["null", "null"],
      ["a string", '"text"'],
      ["10 MB", JSON.stringify({ ...route.valid, padding: "x".repeat(10 * 1024 * 1024) })],
    ] as const) {
      expectRefused(await send(route, route.method, user, body, route.params), [...bodyNames, "padding", ...Object.keys(route.fields)], `${route.name}, ${label}`);
    }
    expectRefused(
      await send(route, route.method, user, JSON.stringify({ ...route.valid, unknownField: 1 }), route.params),
      ["unknownField", "unrecognized", "Unrecognized"],
      `${route.name}, an unknown field`,
    );
    for (const [field, kind] of Object.entries(route.fields)) {
      for (const raw of badValues(kind)) {
        const body = JSON.stringify({ ...route.valid, [field]: "__BAD__" }).replace('"__BAD__"', raw);
        expectRefused(await send(route, route.method, user, body, route.params), [field, ...(route.aliases?.[field] ?? [])], `${route.name}, ${field} = ${raw.slice(0, 40)}`);
      }
    }
    expect(await databaseHash()).toEqual(before);
  }, 120_000);

  it.each(queryRoutes)("$name", async (route) => {
    const before = await databaseHash();
    for (const [field, kind] of Object.entries(route.fields)) {
      for (const value of badQueryValues(kind)) {
        const path = `${route.path}?${new URLSearchParams({ ...(route.path.includes("analytics") && field !== "view" ? { view: "daily" } : {}), [field]: value })}`;
        expectRefused(await send({ ...route, path }, "GET", userOf(route.user)), [field], `${route.name}?${field}=${value.slice(0, 40)}`);
      }
    }
    expect(await databaseHash()).toEqual(before);
  }, 120_000);

  it("ids in the path: an injection string is a 4xx, nothing changed", async () => {
    const before = await databaseHash();
    const user = (await import("@/app/api/admin/users/[id]/route")) as unknown as Record<string, Handler>;
    const conversation = (await import("@/app/api/conversations/[id]/route")) as unknown as Record<string, Handler>;
    for (const id of [INJECTION, "", "x".repeat(5000)]) {
      const a = await user.GET!(await appRequest(`/api/admin/users/${encodeURIComponent(id)}`, { user: admin }), { params: Promise.resolve({ id }) });
      expect(a.status, `admin user ${id.slice(0, 20)}`).toBeGreaterThanOrEqual(400);
      expect(a.status).toBeLessThan(500);
      for (const method of ["GET", "PATCH", "DELETE"] as const) {
        const request = await appRequest(`/api/conversations/x`, { method, user: member, ...(method === "PATCH" ? { json: { title: "t" } } : {}) });
        const response = await conversation[method]!(request, { params: Promise.resolve({ id }) });
        expect(response.status, `${method} conversation ${id.slice(0, 20)}`).toBe(400);
        expect(await response.text()).toContain("id");
      }
    }
    expect(await databaseHash()).toEqual(before);
  });
});
