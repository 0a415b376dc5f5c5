import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv, type TestUser } from "./helpers/app";
import { createTestPool } from "./helpers/db";
import { callRpc, createServicePool, expectBalanceMatchesLedger, newRequestId, pgError, settleTokens } from "./helpers/metering";

/**
 * Balance expiry (expire_inactive_balances and POST /api/admin/jobs/expire-balances) and e-mails on
 * accounts (the dev sign-in records one; the admin search finds it). Expiry runs with p_days and a
 * p_now in 2011 on accounts whose whole history is in 2011, so it never touches the accounts the
 * other test files (running at the same time, at today's date) use, nor the global setting.
 */
type Handler = (request: Request) => Promise<Response>;
const routes: Record<string, Record<string, Handler>> = {};
const db = createTestPool(4);
const server = createServicePool(4);
const admin = newTestUser("Accounts admin");
const member = newTestUser("Accounts member");

const at = (iso: string) => new Date(iso).toISOString();
const grant = (userId: string, tokens: number, now: string) =>
  callRpc(server, "admin_grant_tokens", { p_user_id: userId, p_tokens: tokens, p_reason: "test grant", p_actor: "user_admin", p_now: at(now) });
const expire = (now: string, days: number, limit = 1000) =>
  callRpc<{ days: number; expired_accounts: number; expired_tokens: number; more: boolean }>(server, "expire_inactive_balances", {
    p_now: at(now),
    p_limit: limit,
    p_days: days,
  });
const balanceOf = async (userId: string) => Number((await db.query("select balance from public.accounts where user_id = $1", [userId])).rows[0].balance);

beforeAll(async () => {
  useAppEnv();
  routes.expire = (await import("@/app/api/admin/jobs/expire-balances/route")) as unknown as Record<string, Handler>;
  routes.signIn = (await import("@/app/api/auth/sign-in/route")) as unknown as Record<string, Handler>;
  routes.users = (await import("@/app/api/admin/users/route")) as unknown as Record<string, Handler>;
  await db.query("select public.bootstrap_admins(array[$1])", [admin.id]);
});
afterAll(async () => {
  await Promise.all([db.end(), server.end()]);
});

describe("expire_inactive_balances", () => {
  it("expires only balances idle for the given days, through the ledger, once", async () => {
    const tag = randomUUID().slice(0, 8);
    const idle = `user_exp_idle_${tag}`;
    const credited = `user_exp_credited_${tag}`;
    const active = `user_exp_active_${tag}`;
    await grant(idle, 500, "2011-01-01T00:00:00Z");
    await grant(credited, 300, "2011-01-01T00:00:00Z");
    await grant(credited, 200, "2011-05-25T00:00:00Z"); // a recent credit keeps the whole balance alive
    await grant(active, 400, "2011-01-01T00:00:00Z");
    // A settled request on 2011-05-20 (the free plan's allowance covers it: the balance stays).
    await settleTokens(server, { userId: active, requestId: newRequestId(), input: 5, output: 5, now: at("2011-05-20T00:00:00Z") });

    const first = await expire("2011-06-01T00:00:00Z", 30);
    expect(first).toMatchObject({ days: 30, more: false });
    expect(first.expired_tokens).toBeGreaterThanOrEqual(500);
    expect(await balanceOf(idle)).toBe(0);
    expect(await balanceOf(credited)).toBe(500);
    expect(await balanceOf(active)).toBe(400);
    const { rows } = await db.query("select delta::int, kind, actor, reason from public.balance_ledger where user_id = $1 order by id", [idle]);
    expect(rows).toEqual([
      { delta: 500, kind: "grant", actor: "user_admin", reason: "test grant" },
      { delta: -500, kind: "expiry", actor: "system", reason: "balance expired after 30 days without activity" },
    ]);
    for (const user of [idle, credited, active]) await expectBalanceMatchesLedger(db, user);

    // Again: nothing more for these accounts.
    await expire("2011-06-01T00:00:00Z", 30);
    expect((await db.query("select count(*)::int as n from public.balance_ledger where user_id = $1 and kind = 'expiry'", [idle])).rows[0].n).toBe(1);
    // Later, the credited one has been idle long enough too.
    await expire("2011-07-01T00:00:00Z", 30);
    expect(await balanceOf(credited)).toBe(0);
    expect(await balanceOf(active)).toBe(0); // its last request was 2011-05-20
    await expectBalanceMatchesLedger(db, credited);
  });

  it("refuses a bad period or limit", async () => {
    expect((await pgError(expire("2011-06-01T00:00:00Z", 0))).code).toBe("22023");
    expect((await pgError(expire("2011-06-01T00:00:00Z", 30, 0))).code).toBe("22023");
  });

  it("is the server's only", async () => {
    const { rows } = await db.query(
      "select has_function_privilege('authenticated', 'public.expire_inactive_balances(timestamptz, integer, integer)', 'execute') as authenticated, has_function_privilege('anon', 'public.expire_inactive_balances(timestamptz, integer, integer)', 'execute') as anon",
    );
    expect(rows[0]).toEqual({ authenticated: false, anon: false });
  });
});

describe("POST /api/admin/jobs/expire-balances", () => {
  async function post(user: TestUser, json: unknown) {
    return routes.expire!.POST!(await appRequest("/api/admin/jobs/expire-balances", { method: "POST", user, json }));
  }

  it("is 403 for a non-admin and writes nothing", async () => {
    const before = (await db.query("select count(*)::int as n from public.admin_audit where action = 'expire_balances'")).rows[0].n;
    expect((await post(member, {})).status).toBe(403);
    expect((await db.query("select count(*)::int as n from public.admin_audit where action = 'expire_balances' and actor = $1", [member.id])).rows[0].n).toBe(0);
    expect((await db.query("select count(*)::int as n from public.admin_audit where action = 'expire_balances'")).rows[0].n).toBeGreaterThanOrEqual(before);
  });

  it("runs the expiry with the setting and audits it", async () => {
    const response = await post(admin, { reason: "nightly job, by hand" });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual(expect.objectContaining({ expiredAccounts: expect.any(Number), expiredTokens: expect.any(Number), more: expect.any(Boolean), auditId: expect.any(Number) }));
    const { rows } = await db.query("select actor, action, target, reason, new_value from public.admin_audit where id = $1", [body.auditId]);
    expect(rows[0]).toMatchObject({ actor: admin.id, action: "expire_balances", target: "accounts", reason: "nightly job, by hand" });
    expect(rows[0].new_value.expired_accounts).toBe(body.expiredAccounts);
  });

  it("names a bad field", async () => {
    const response = await post(admin, { reason: 5 });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("reason");
  });
});

describe("e-mails on accounts", () => {
  it("the dev sign-in records an e-mail, and the admin search finds the user by it", async () => {
    const tag = randomUUID().slice(0, 8);
    const name = `Mail ${tag}`;
    const signIn = await routes.signIn!.POST!(await appRequest("/api/auth/sign-in", { method: "POST", json: { name, email: ` Mail.${tag}@Example.com ` } }));
    expect(signIn.status).toBe(200);
    const { user } = (await signIn.json()) as { user: { id: string } };
    expect((await db.query("select email from public.accounts where user_id = $1", [user.id])).rows[0].email).toBe(`mail.${tag}@example.com`);

    const search = await routes.users!.GET!(await appRequest(`/api/admin/users?q=${encodeURIComponent(`MAIL.${tag}@`)}`, { user: admin }));
    expect(search.status).toBe(200);
    const page = (await search.json()) as { items: { userId: string; email: string | null }[] };
    expect(page.items).toEqual([expect.objectContaining({ userId: user.id, email: `mail.${tag}@example.com` })]);
  });

  it("signing in creates the account (before any request), so the admin console finds the user", async () => {
    const name = `Fresh ${randomUUID().slice(0, 8)}`;
    const signIn = await routes.signIn!.POST!(await appRequest("/api/auth/sign-in", { method: "POST", json: { name } }));
    const { user } = (await signIn.json()) as { user: { id: string } };
    const { rows } = await db.query("select plan_id, email from public.accounts where user_id = $1", [user.id]);
    expect(rows).toEqual([{ plan_id: "free", email: null }]);
    const search = await routes.users!.GET!(await appRequest(`/api/admin/users?q=${encodeURIComponent(user.id)}`, { user: admin }));
    expect(((await search.json()) as { items: { userId: string }[] }).items.map((item) => item.userId)).toEqual([user.id]);
  });

  it("record_sign_in (Clerk's signed-in pages) creates the account, and records the e-mail when given", async () => {
    const userId = `user_clerk_${randomUUID()}`;
    await callRpc(server, "record_sign_in", { p_user_id: userId });
    expect((await db.query("select email from public.accounts where user_id = $1", [userId])).rows).toEqual([{ email: null }]);
    await callRpc(server, "record_sign_in", { p_user_id: userId, p_email: "Someone@Example.com" });
    expect((await db.query("select email from public.accounts where user_id = $1", [userId])).rows).toEqual([{ email: "someone@example.com" }]);
  });

  it("a bad e-mail is a 400 naming the field, and no session starts", async () => {
    const response = await routes.signIn!.POST!(await appRequest("/api/auth/sign-in", { method: "POST", json: { name: "Bad Mail", email: "not-an-address" } }));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("email");
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("record_account_email writes nothing when unchanged, and refuses a non-address", async () => {
    const userId = `user_mail_${randomUUID()}`;
    await callRpc(server, "record_account_email", { p_user_id: userId, p_email: "a@b.co" });
    const xmin = (await db.query("select xmin::text from public.accounts where user_id = $1", [userId])).rows[0].xmin;
    await callRpc(server, "record_account_email", { p_user_id: userId, p_email: "A@B.co" });
    expect((await db.query("select xmin::text from public.accounts where user_id = $1", [userId])).rows[0].xmin).toBe(xmin);
    expect((await pgError(callRpc(server, "record_account_email", { p_user_id: userId, p_email: "nope" }))).code).toBe("22023");
  });
});
