import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { asRole, createTestPool } from "./helpers/db";
import { createServicePool, expectBalanceMatchesLedger, newRequestId, pgError, reserveTokens, settleTokens } from "./helpers/metering";

/**
 * The admin API (app/api/admin/**), called in-process against the run's database. Catalogue edits
 * run on a plan and a model this file creates, so the other test files (which run at the same
 * time on the same database) never see them; settings edits touch balance_expiry_days only.
 */
type Handler = (request: Request, next?: { params: Promise<Record<string, string>> }) => Promise<Response>;
const routes: Record<string, Record<string, Handler>> = {};

const db = createTestPool(4); // superuser: reads the tables, sets up fixtures
const server = createServicePool(4);

const admin = newTestUser("Admin");
const member = newTestUser("Member");
const target = newTestUser("Target");
/** Listed in ADMIN_USER_IDS, never bootstrapped by hand. */
const listed = newTestUser("Listed");
const PLAN = `admin_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const MODEL = `test/admin-${randomUUID()}`;

beforeAll(async () => {
  useAppEnv({ ADMIN_USER_IDS: ` ${listed.id} , user_someone_else ` });
  const load = async (name: string, module: Promise<unknown>) => {
    routes[name] = (await module) as Record<string, Handler>;
  };
  await Promise.all([
    load("plans", import("@/app/api/admin/plans/route")),
    load("models", import("@/app/api/admin/models/route")),
    load("settings", import("@/app/api/admin/settings/route")),
    load("audit", import("@/app/api/admin/audit/route")),
    load("users", import("@/app/api/admin/users/route")),
    load("user", import("@/app/api/admin/users/[id]/route")),
    load("plan", import("@/app/api/admin/users/[id]/plan/route")),
    load("cap-override", import("@/app/api/admin/users/[id]/cap-override/route")),
    load("reset-usage", import("@/app/api/admin/users/[id]/reset-usage/route")),
    load("grant", import("@/app/api/admin/users/[id]/grant/route")),
    load("top-up", import("@/app/api/admin/users/[id]/top-up/route")),
  ]);
  await db.query("select public.bootstrap_admins(array[$1])", [admin.id]);
  await db.query(
    `insert into public.plans (id, display_name, period, token_cap, model_tiers, max_output_tokens, sort_order)
     values ($1, 'Admin test', 'day', 1000, array['basic'], 500, 900)`,
    [PLAN],
  );
  await db.query(
    `insert into public.models (id, display_name, tier, context_window, input_price_per_mtok, output_price_per_mtok, sort_order)
     values ($1, 'Admin test model', 'basic', 100000, 1, 2, 900)`,
    [MODEL],
  );
  // The target has an account, some usage and a balance.
  await settleTokens(server, { userId: target.id, requestId: newRequestId(), input: 10, output: 20 });
});
afterAll(async () => {
  await Promise.all([db.end(), server.end()]);
});

async function call(route: string, method: string, user: TestUser | undefined, options: { path?: string; id?: string; json?: unknown } = {}) {
  const path = options.path ?? `/api/admin/${route}`;
  const request = await appRequest(path, { method, user, json: options.json });
  const response = await routes[route]![method]!(request, { params: Promise.resolve<Record<string, string>>(options.id ? { id: options.id } : {}) });
  // The bodies are read loosely here; their shapes are what the assertions check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The audit rows written for a target user or a target, oldest first. */
async function auditRows(where: { userId?: string; target?: string; actor?: string }) {
  const { rows } = await db.query(
    `select actor, action, target_user_id, target, old_value, new_value, reason from public.admin_audit
     where ($1::text is null or target_user_id = $1) and ($2::text is null or target = $2) and ($3::text is null or actor = $3)
     order by id`,
    [where.userId ?? null, where.target ?? null, where.actor ?? null],
  );
  return rows;
}

/** What the admin routes could change, read as the owner. */
async function snapshot(userId: string) {
  const read = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
  return {
    account: await read("select * from public.accounts where user_id = $1", [userId]),
    usage: await read("select * from public.usage_periods where user_id = $1 order by 1, 2, 3", [userId]),
    ledger: await read("select * from public.balance_ledger where user_id = $1 order by id", [userId]),
    events: await read("select * from public.account_events where user_id = $1 order by id", [userId]),
    plan: await read("select * from public.plans where id = $1", [PLAN]),
    model: await read("select * from public.models where id = $1", [MODEL]),
    settings: await read("select * from public.app_settings"),
    audit: await read("select * from public.admin_audit where target_user_id = $1 or actor = $2 or target in ($3, $4) order by id", [
      userId,
      member.id,
      `plan:${PLAN}`,
      `model:${MODEL}`,
    ]),
  };
}

const WRITES: [route: string, method: string, json: unknown][] = [
  ["plans", "PATCH", { id: PLAN, tokenCap: 5 }],
  ["models", "PATCH", { id: MODEL, enabled: false }],
  ["settings", "PATCH", { balanceExpiryDays: 7 }],
  ["plan", "POST", { planId: "max" }],
  ["cap-override", "POST", { cap: 1 }],
  ["reset-usage", "POST", { reason: "try" }],
  ["grant", "POST", { tokens: 1_000_000, reason: "free tokens" }],
  ["top-up", "POST", { tokens: 1_000_000, paymentRef: `pay_${randomUUID()}` }],
];
const READS = ["plans", "models", "settings", "audit", "users", "user"];

describe("who may call the admin API", () => {
  it("answers 403 'Admins only.' to a signed-in non-admin on every route, and changes nothing", async () => {
    const before = await snapshot(target.id);
    for (const route of READS) {
      const { status, body } = await call(route, "GET", member, { id: target.id });
      expect([route, status, body.error]).toEqual([route, 403, { code: "forbidden", message: "Admins only." }]);
    }
    for (const [route, method, json] of WRITES) {
      const { status, body } = await call(route, method, member, { id: target.id, json });
      expect([route, status, body.error?.code]).toEqual([route, 403, "forbidden"]);
    }
    expect(await snapshot(target.id)).toEqual(before);
    const { rows } = await db.query("select is_admin from public.accounts where user_id = $1", [member.id]);
    expect(rows.map((r) => r.is_admin)).not.toContain(true);
  });

  it("answers 401 when signed out", async () => {
    expect((await call("plans", "GET", undefined)).status).toBe(401);
    expect((await call("grant", "POST", undefined, { id: target.id, json: { tokens: 5, reason: "x" } })).status).toBe(401);
  });

  it("lets the functions refuse a non-admin actor even from the server (42501)", async () => {
    const error = await pgError(server.query("select public.admin_grant_user_tokens($1, $2, 5, 'x')", [member.id, target.id]));
    expect(error.code).toBe("42501");
    expect(error.message).toMatch(/not an admin/);
  });

  it("keeps the new functions and admin_audit away from anon and authenticated", async () => {
    const calls = [
      "select public.admin_grant_user_tokens('a', 'b', 5, 'x')",
      "select public.admin_top_up_user('a', 'b', 5, 'pay')",
      "select public.admin_reset_usage('a', 'b', 'x')",
      "select public.admin_set_user_plan('a', 'b', 'max')",
      "select public.admin_set_user_cap_override('a', 'b', 5)",
      "select public.admin_update_plan('a', 'free', '{\"token_cap\": 1}')",
      "select public.admin_update_model('a', 'openai/o3', '{\"enabled\": true}')",
      "select public.admin_update_settings('a', '{\"starter_balance\": 1}')",
      "select public.admin_list_plans('a')",
      "select public.admin_list_models('a')",
      "select public.admin_get_settings('a')",
      "select public.admin_search_users('a')",
      "select public.admin_get_user('a', 'b')",
      "select public.admin_list_audit('a')",
      "select public.bootstrap_admins(array['a'])",
      "select public.get_admin_status('a', true)",
      "select * from public.admin_audit",
    ];
    for (const role of ["anon", "authenticated"] as const) {
      for (const sql of calls) {
        const error = await asRole(db, role, role === "anon" ? null : { sub: admin.id, role }, (c) => pgError(c.query(sql)));
        expect([role, sql, error.code]).toEqual([role, sql, "42501"]);
      }
    }
    // The server reads the log but cannot write or change it.
    for (const sql of [
      "insert into public.admin_audit (actor, action, target) values ('a', 'x', 'y')",
      "update public.admin_audit set reason = 'x'",
      "delete from public.admin_audit",
    ]) {
      expect((await pgError(server.query(sql))).code).toBe("42501");
    }
    expect((await pgError(db.query("update public.admin_audit set reason = 'x' where id = (select max(id) from public.admin_audit)"))).code).toBe("55000");
  });

  it("makes a user listed in ADMIN_USER_IDS an admin on their first admin request, once", async () => {
    expect((await call("plans", "GET", listed)).status).toBe(200);
    expect((await call("models", "GET", listed)).status).toBe(200);
    expect((await db.query("select is_admin from public.accounts where user_id = $1", [listed.id])).rows).toEqual([{ is_admin: true }]);
    expect(await auditRows({ userId: listed.id })).toMatchObject([{ actor: "system:ADMIN_USER_IDS", action: "bootstrap_admin" }]);
  });

  it("keeps the internal helpers from the server role too", async () => {
    for (const sql of [
      "select public.require_admin('f', 'a')",
      "select public.write_admin_audit('a', 'x', null, 't', null, null, null, now())",
      "select public.apply_grant('f', 'u', 5, 'r', 'a', now())",
    ]) {
      expect((await pgError(server.query(sql))).code).toBe("42501");
    }
  });

  it("bootstraps an admin once, idempotently", async () => {
    const user = newTestUser("Boot");
    const first = await db.query("select public.bootstrap_admins(array[$1, $1]) as r", [user.id]);
    const second = await db.query("select public.bootstrap_admins(array[$1]) as r", [user.id]);
    expect(first.rows[0].r.promoted).toEqual([user.id]);
    expect(second.rows[0].r.promoted).toEqual([]);
    expect(await auditRows({ userId: user.id })).toMatchObject([
      { actor: "system:ADMIN_USER_IDS", action: "bootstrap_admin", old_value: { is_admin: false }, new_value: { is_admin: true } },
    ]);
    expect((await call("plans", "GET", user)).status).toBe(200);
  });
});

describe("plans, models and settings", () => {
  it("lists them", async () => {
    expect((await call("plans", "GET", admin)).body.plans).toContainEqual(expect.objectContaining({ id: PLAN, tokenCap: 1000, period: "day" }));
    expect((await call("models", "GET", admin)).body.models).toContainEqual(expect.objectContaining({ id: MODEL, enabled: true, inputPricePerMtok: 1 }));
    expect((await call("settings", "GET", admin)).body.settings).toMatchObject({ starterBalance: expect.any(Number), holdTtlSeconds: expect.any(Number) });
  });

  it("edits a plan's cap with one audit row, and the next reserve obeys it", async () => {
    const user = newTestUser("Plan user");
    expect((await call("plan", "POST", admin, { id: user.id, json: { planId: PLAN, reason: "trial" } })).status).toBe(200);
    expect((await reserveTokens(server, { userId: user.id, requestId: newRequestId(), min: 800, max: 800 })).ok).toBe(true);

    const { status, body } = await call("plans", "PATCH", admin, { json: { id: PLAN, tokenCap: 1200, maxOutputTokens: 300, reason: "tighter" } });
    expect(status).toBe(200);
    expect(body.plan).toMatchObject({ id: PLAN, tokenCap: 1200, maxOutputTokens: 300 });
    const audit = await auditRows({ target: `plan:${PLAN}` });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: admin.id,
      action: "update_plan",
      old_value: { token_cap: 1000, max_output_tokens: 500 },
      new_value: { token_cap: 1200, max_output_tokens: 300 },
      reason: "tighter",
    });
    // 800 held of 1200: 500 more is refused, 400 fits.
    expect(await reserveTokens(server, { userId: user.id, requestId: newRequestId(), min: 500, max: 500 })).toMatchObject({ ok: false, reason: "quota_exceeded" });
    expect(await reserveTokens(server, { userId: user.id, requestId: newRequestId(), min: 400, max: 400 })).toMatchObject({ ok: true });
  });

  it("disables a model with one audit row, and the next reserve refuses it", async () => {
    const user = newTestUser("Model user");
    const { status, body } = await call("models", "PATCH", admin, { json: { id: MODEL, enabled: false, promptTokenFactor: 1.5 } });
    expect(status).toBe(200);
    expect(body.model).toMatchObject({ id: MODEL, enabled: false, promptTokenFactor: 1.5 });
    expect(await auditRows({ target: `model:${MODEL}` })).toMatchObject([
      { actor: admin.id, action: "update_model", old_value: { enabled: true }, new_value: { enabled: false }, reason: null },
    ]);
    expect(await reserveTokens(server, { userId: user.id, requestId: newRequestId(), model: MODEL, min: 10, max: 10 })).toMatchObject({
      ok: false,
      reason: "unknown_model",
    });
  });

  it("sets and clears the balance expiry setting, one audit row each", async () => {
    const set = await call("settings", "PATCH", admin, { json: { balanceExpiryDays: 90, reason: "policy" } });
    expect(set.status).toBe(200);
    expect(set.body.settings.balanceExpiryDays).toBe(90);
    const cleared = await call("settings", "PATCH", admin, { json: { balanceExpiryDays: null } });
    expect(cleared.body.settings.balanceExpiryDays).toBeNull();
    const audit = await auditRows({ target: "app_settings", actor: admin.id });
    expect(audit.slice(-2)).toMatchObject([
      { action: "update_settings", new_value: { balance_expiry_days: 90 }, reason: "policy" },
      { action: "update_settings", old_value: { balance_expiry_days: 90 }, new_value: { balance_expiry_days: null } },
    ]);
  });

  it("answers 400 naming the field for bad input, and changes nothing", async () => {
    const before = await snapshot(target.id);
    const cases: [string, string, unknown, string][] = [
      ["plans", "PATCH", { id: PLAN, tokenCap: -1 }, "tokenCap"],
      ["plans", "PATCH", { id: PLAN, modelTiers: ["gold"] }, "modelTiers.0"],
      ["plans", "PATCH", { id: PLAN }, "(body)"],
      ["models", "PATCH", { id: MODEL, promptTokenFactor: 9 }, "promptTokenFactor"],
      ["settings", "PATCH", { holdTtlSeconds: 5 }, "holdTtlSeconds"],
      ["grant", "POST", { tokens: "many", reason: "x" }, "tokens"],
      ["grant", "POST", { tokens: 5 }, "reason"],
      ["reset-usage", "POST", { reason: "  " }, "reason"],
      ["top-up", "POST", { tokens: 5 }, "paymentRef"],
      ["cap-override", "POST", { cap: 1.5 }, "cap"],
    ];
    for (const [route, method, json, field] of cases) {
      const { status, body } = await call(route, method, admin, { id: target.id, json });
      expect([route, status, body.error.code]).toEqual([route, 400, "bad_request"]);
      expect(body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await call("audit", "GET", admin, { path: "/api/admin/audit?from=yesterday" })).body.error.details.fields[0].field).toBe("from");
    expect((await call("plans", "PATCH", admin, { json: { id: "no_such_plan", tokenCap: 5 } })).status).toBe(404);
    expect(await snapshot(target.id)).toEqual(before);
  });
});

describe("users", () => {
  it("grants through balance_ledger, once, with one audit row", async () => {
    const user = newTestUser("Grantee");
    const { status, body } = await call("grant", "POST", admin, { id: user.id, json: { tokens: 5000, reason: "support ticket 12" } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, status: { balance: expect.any(Number) } });
    const ledger = (await db.query("select delta, kind, reason, actor from public.balance_ledger where user_id = $1 and kind = 'grant' and actor is not null", [user.id])).rows;
    expect(ledger).toEqual([{ delta: "5000", kind: "grant", reason: "support ticket 12", actor: admin.id }]);
    const balance = await expectBalanceMatchesLedger(db, user.id);
    expect(await auditRows({ userId: user.id })).toMatchObject([
      { actor: admin.id, action: "grant_tokens", old_value: { balance: balance - 5000 }, new_value: { balance, tokens: 5000 }, reason: "support ticket 12" },
    ]);
  });

  it("tops up once per payment reference: a duplicate is 409 and applies nothing", async () => {
    const user = newTestUser("Payer");
    const paymentRef = `pay_${randomUUID()}`;
    const first = await call("top-up", "POST", admin, { id: user.id, json: { tokens: 3000, paymentRef } });
    expect(first.status).toBe(200);
    const after = await snapshot(user.id);
    const again = await call("top-up", "POST", admin, { id: user.id, json: { tokens: 3000, paymentRef } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "conflict", details: { fields: [{ field: "paymentRef" }] } });
    expect(await snapshot(user.id)).toEqual(after);
    expect(await auditRows({ userId: user.id })).toMatchObject([{ action: "top_up", new_value: { tokens: 3000, payment_ref: paymentRef } }]);
    expect((await db.query("select count(*)::int as n from public.balance_ledger where payment_ref = $1", [paymentRef])).rows[0].n).toBe(1);
    await expectBalanceMatchesLedger(db, user.id);
  });

  it("sets and clears a cap override, and changes the plan, each with one audit row", async () => {
    const user = newTestUser("Capped");
    expect((await call("cap-override", "POST", admin, { id: user.id, json: { cap: 777, reason: "abuse" } })).body.status.cap).toBe(777);
    expect((await call("cap-override", "POST", admin, { id: user.id, json: { cap: null } })).body.status.cap).toBe(40000);
    expect((await call("plan", "POST", admin, { id: user.id, json: { planId: "pro" } })).body.status.plan).toBe("pro");
    expect(await auditRows({ userId: user.id })).toMatchObject([
      { action: "set_cap_override", old_value: { cap_override: null }, new_value: { cap_override: 777 }, reason: "abuse" },
      { action: "set_cap_override", old_value: { cap_override: 777 }, new_value: { cap_override: null } },
      { action: "set_plan", old_value: { plan_id: "free" }, new_value: { plan_id: "pro" } },
    ]);
    expect((await call("plan", "POST", admin, { id: user.id, json: { planId: "gold" } })).body.error.message).toMatch(/unknown plan/);
  });

  it("resets this period's usage: the user can chat again, the usage ledger is kept, the audit row says how much", async () => {
    const user = newTestUser("Heavy");
    await call("plan", "POST", admin, { id: user.id, json: { planId: "free" } });
    await call("cap-override", "POST", admin, { id: user.id, json: { cap: 100 } });
    await settleTokens(server, { userId: user.id, requestId: newRequestId(), input: 40, output: 60 });
    expect(await reserveTokens(server, { userId: user.id, requestId: newRequestId(), min: 10, max: 10 })).toMatchObject({ ok: false, reason: "quota_exceeded" });
    const ledgerBefore = (await db.query("select * from public.usage_ledger where user_id = $1", [user.id])).rows;

    const { status, body } = await call("reset-usage", "POST", admin, { id: user.id, json: { reason: "billing bug" } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, resetTokens: 100, status: { used: 0, cap: 100 } });
    expect((await db.query("select * from public.usage_ledger where user_id = $1", [user.id])).rows).toEqual(ledgerBefore);
    expect((await auditRows({ userId: user.id })).at(-1)).toMatchObject({
      actor: admin.id,
      action: "reset_usage",
      old_value: { period: "day", used: 100 },
      new_value: { period: "day", used: 0 },
      reason: "billing bug",
    });
    expect(await reserveTokens(server, { userId: user.id, requestId: newRequestId(), min: 10, max: 10 })).toMatchObject({ ok: true });
    expect((await call("reset-usage", "POST", admin, { id: newTestUser().id, json: { reason: "x" } })).status).toBe(404);
  });

  it("finds users by part of their id, pages through them, and shows one with its ledger and usage", async () => {
    const tag = randomUUID().slice(0, 8);
    const users = [0, 1, 2].map((i) => newTestUser(`Found ${i}`)).map((u, i) => ({ ...u, id: `user_find_${tag}_${i}` }));
    for (const u of users) await call("grant", "POST", admin, { id: u.id, json: { tokens: 10, reason: "seed" } });
    const first = await call("users", "GET", admin, { path: `/api/admin/users?q=FIND_${tag}&limit=2` });
    expect(first.body.items.map((i: { userId: string }) => i.userId)).toEqual([users[0]!.id, users[1]!.id]);
    expect(first.body.items[0]).toMatchObject({ plan: "free", used: 0, held: 0, isAdmin: false });
    const second = await call("users", "GET", admin, { path: `/api/admin/users?q=find_${tag}&limit=2&cursor=${first.body.nextCursor}` });
    expect(second.body).toMatchObject({ items: [{ userId: users[2]!.id }], nextCursor: null });

    const detail = await call("user", "GET", admin, { id: target.id, path: `/api/admin/users/${target.id}` });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ userId: target.id, used: 30, usage: [{ totalTokens: 30 }] });
    expect((await call("user", "GET", admin, { id: "user_nobody", path: "/api/admin/users/user_nobody" })).status).toBe(404);
  });
});

describe("GET /api/admin/audit", () => {
  it("filters by actor, user, action and date, newest first, with a keyset cursor", async () => {
    const user = newTestUser("Audited");
    for (const tokens of [1, 2, 3]) await call("grant", "POST", admin, { id: user.id, json: { tokens, reason: `r${tokens}` } });
    const first = await call("audit", "GET", admin, { path: `/api/admin/audit?userId=${user.id}&action=grant_tokens&actor=${admin.id}&limit=2` });
    expect(first.body.items.map((i: { reason: string }) => i.reason)).toEqual(["r3", "r2"]);
    expect(first.body.items[0]).toMatchObject({ actor: admin.id, targetUserId: user.id, target: `account:${user.id}`, newValue: { tokens: 3 } });
    const second = await call("audit", "GET", admin, { path: `/api/admin/audit?userId=${user.id}&limit=2&cursor=${first.body.nextCursor}` });
    expect(second.body).toMatchObject({ items: [{ reason: "r1" }], nextCursor: null });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await call("audit", "GET", admin, { path: `/api/admin/audit?userId=${user.id}&from=${future}` })).body.items).toEqual([]);
    expect((await call("audit", "GET", admin, { path: `/api/admin/audit?userId=${user.id}&action=top_up` })).body.items).toEqual([]);
  });
});
