import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asRole, createTestPool } from "./helpers/db";
import {
  adminGrantTokens,
  adminSetCapOverride,
  adminSetPlan,
  createServicePool,
  newRequestId,
  newUserId,
  pgError,
  reserveTokens,
  settleTokens,
} from "./helpers/metering";

const admin = createTestPool(6); // superuser, the owner of tables and functions
const server = createServicePool(4);
afterAll(async () => {
  await Promise.all([admin.end(), server.end()]);
});

/** Tables with a user_id column: readable by their owner only. */
const USER_TABLES = ["accounts", "usage_periods", "reservations", "usage_ledger", "balance_ledger", "account_events"] as const;
const CATALOGUE_TABLES = ["plans", "models"] as const;
const ALL_TABLES = [...USER_TABLES, ...CATALOGUE_TABLES, "app_settings"] as const;
const LEDGERS = ["usage_ledger", "balance_ledger", "account_events"] as const;

/** RPC functions and how each is called with harmless arguments. */
const RPC_CALLS: Record<string, string> = {
  reserve_tokens: "select public.reserve_tokens('user_x', 'req_x', 'openai/gpt-4o-mini', 1, 1)",
  settle_tokens: "select public.settle_tokens('req_x', 'user_x', 'openai/gpt-4o-mini', 1, 1)",
  release_tokens: "select public.release_tokens('req_x')",
  get_token_status: "select public.get_token_status('user_x')",
  admin_set_plan: "select public.admin_set_plan('user_x', 'max', 'user_x')",
  admin_set_cap_override: "select public.admin_set_cap_override('user_x', 999999999, 'user_x')",
  admin_grant_tokens: "select public.admin_grant_tokens('user_x', 1000000, 'free tokens', 'user_x')",
  admin_top_up: "select public.admin_top_up('user_x', 1000000, 'pay_x', 'user_x')",
  get_my_token_status: "select public.get_my_token_status()",
};
const SERVER_RPCS = Object.keys(RPC_CALLS).filter((fn) => fn !== "get_my_token_status");
const HELPERS = ["period_bounds", "format_timestamp", "require_text", "require_tokens", "ensure_account", "build_token_status", "reject_ledger_change", "set_updated_at"];

const userA = newUserId();
const userB = newUserId();
const claims = (sub: string) => ({ sub, role: "authenticated" });

/** Gives a user a row in every user table. */
async function seedUser(userId: string) {
  await adminGrantTokens(server, userId, 5000, "seed"); // accounts, balance_ledger
  await adminSetCapOverride(server, userId, 20_000); // account_events
  const settled = newRequestId();
  await reserveTokens(server, { userId, requestId: settled, min: 100, max: 100 });
  await settleTokens(server, { userId, requestId: settled, input: 40, output: 60 }); // usage_ledger, usage_periods
  await reserveTokens(server, { userId, requestId: newRequestId(), min: 200, max: 200 }); // reservations
}

/** Everything the database holds about a user, read as the owner. */
async function snapshot(userId: string) {
  const out: Record<string, unknown> = {};
  for (const table of USER_TABLES) {
    out[table] = (await admin.query(`select * from public.${table} where user_id = $1 order by 1, 2`, [userId])).rows;
  }
  return out;
}

beforeAll(async () => {
  await seedUser(userA);
  await seedUser(userB);
});

describe("row level security", () => {
  it("is enabled on every table in schema public", async () => {
    const { rows } = await admin.query(
      "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relrowsecurity",
    );
    expect(rows).toEqual([]);
  });

  it("allows authenticated users SELECT only, through policies that read the subject once per statement", async () => {
    const { rows } = await admin.query<{ tablename: string; cmd: string; roles: string[]; qual: string }>(
      "select tablename, cmd, roles::text[] as roles, qual from pg_policies where schemaname = 'public' and tablename = any($1) order by tablename",
      [[...ALL_TABLES]],
    );
    expect(rows.map((r) => r.tablename).sort()).toEqual([...USER_TABLES, ...CATALOGUE_TABLES].sort());
    for (const policy of rows) {
      expect(policy.cmd).toBe("SELECT");
      expect(policy.roles).toEqual(["authenticated"]);
      if ((USER_TABLES as readonly string[]).includes(policy.tablename)) {
        expect(policy.qual.replace(/\s+/g, " ")).toBe("(user_id = ( SELECT (auth.jwt() ->> 'sub'::text)))");
      } else {
        expect(policy.qual).toBe("true");
      }
    }
  });

  it("indexes user_id (the policy column) as the leading column on every user table", async () => {
    const { rows } = await admin.query<{ table: string }>(
      `select c.relname as table from pg_index i
         join pg_class c on c.oid = i.indrelid
         join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
       where c.relnamespace = 'public'::regnamespace and a.attname = 'user_id' and c.relname = any($1)`,
      [[...USER_TABLES]],
    );
    expect(new Set(rows.map((r) => r.table))).toEqual(new Set(USER_TABLES));
  });

  it.each(USER_TABLES)("user B reads none of A's rows in %s, and only their own", async (table) => {
    const rows = await asRole(admin, "authenticated", claims(userB), async (c) => (await c.query(`select user_id from public.${table}`)).rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.user_id === userB)).toBe(true);
    const aRows = await asRole(admin, "authenticated", claims(userB), async (c) =>
      (await c.query(`select count(*)::int as n from public.${table} where user_id = $1`, [userA])).rows[0],
    );
    expect(aRows).toEqual({ n: 0 });
  });

  it.each(USER_TABLES)("user A reads their own rows in %s", async (table) => {
    const rows = await asRole(admin, "authenticated", claims(userA), async (c) => (await c.query(`select * from public.${table}`)).rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.user_id === userA)).toBe(true);
  });

  it.each(USER_TABLES)("a signed-in request without a subject reads nothing from %s", async (table) => {
    const rows = await asRole(admin, "authenticated", { role: "authenticated" }, async (c) => (await c.query(`select * from public.${table}`)).rows);
    expect(rows).toEqual([]);
  });

  it.each(CATALOGUE_TABLES)("authenticated users read all of %s", async (table) => {
    const rows = await asRole(admin, "authenticated", claims(userA), async (c) => (await c.query(`select * from public.${table}`)).rows);
    expect(rows.length).toBeGreaterThanOrEqual(3);
  });

  it("authenticated users cannot read app_settings", async () => {
    const error = await pgError(asRole(admin, "authenticated", claims(userA), (c) => c.query("select * from public.app_settings")));
    expect(error.code).toBe("42501");
  });

  const writes: [string, string][] = [
    ["reset their usage", "update public.usage_periods set plan_tokens_used = 0 where user_id = $1"],
    ["raise their balance", "update public.accounts set balance = 1000000 where user_id = $1"],
    ["make themselves admin", "update public.accounts set is_admin = true where user_id = $1"],
    ["delete their account", "delete from public.accounts where user_id = $1"],
    ["create an account", "insert into public.accounts (user_id, balance) values ($1 || '_2', 1000000)"],
    ["drop a hold", "delete from public.reservations where user_id = $1"],
    ["extend a hold", "update public.reservations set expires_at = expires_at + interval '1 year' where user_id = $1"],
    ["delete usage", "delete from public.usage_ledger where user_id = $1"],
    ["shrink usage", "update public.usage_ledger set total_tokens = 0, input_tokens = 0, output_tokens = 0, plan_tokens = 0 where user_id = $1"],
    ["credit themselves", "insert into public.balance_ledger (user_id, delta, kind, reason) values ($1, 1000000, 'grant', 'me')"],
    ["rewrite the audit", "delete from public.account_events where user_id = $1"],
    ["raise a plan's cap", "update public.plans set token_cap = 999999999 where $1 <> ''"],
    ["change settings", "update public.app_settings set starter_balance = 999999 where $1 <> ''"],
    ["insert a usage period", "insert into public.usage_periods (user_id, period, period_start) values ($1, 'day', '2000-01-01')"],
  ];
  it.each(writes)("user A cannot %s (permission denied, nothing changes)", async (_name, sql) => {
    const before = await snapshot(userA);
    const error = await pgError(asRole(admin, "authenticated", claims(userA), (c) => c.query(sql, [userA])));
    expect(error.code).toBe("42501");
    expect(error.message).toMatch(/permission denied/);
    expect(await snapshot(userA)).toEqual(before);
  });

  it("authenticated users cannot truncate anything", async () => {
    for (const table of ALL_TABLES) {
      const error = await pgError(asRole(admin, "authenticated", claims(userA), (c) => c.query(`truncate public.${table}`)));
      expect(error.code, table).toBe("42501");
    }
  });
});

describe("anon", () => {
  it.each(ALL_TABLES)("reads nothing from %s (permission denied)", async (table) => {
    const error = await pgError(asRole(admin, "anon", null, (c) => c.query(`select * from public.${table}`)));
    expect(error.code).toBe("42501");
  });

  it("cannot execute any function in schema public", async () => {
    const { rows } = await admin.query<{ fn: string }>(
      "select p.oid::regprocedure::text as fn from pg_proc p where p.pronamespace = 'public'::regnamespace and has_function_privilege('anon', p.oid, 'EXECUTE')",
    );
    expect(rows).toEqual([]);
  });

  it.each(Object.keys(RPC_CALLS))("gets permission denied calling %s", async (fn) => {
    const error = await pgError(asRole(admin, "anon", { sub: userA, role: "anon" }, (c) => c.query(RPC_CALLS[fn]!)));
    expect(error).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
  });
});

describe("function privileges", () => {
  it.each(SERVER_RPCS)("authenticated users get permission denied calling %s", async (fn) => {
    const error = await pgError(asRole(admin, "authenticated", claims(userA), (c) => c.query(RPC_CALLS[fn]!)));
    expect(error).toEqual({ code: "42501", message: `permission denied for function ${fn}` });
  });

  it("authenticated users can execute get_my_token_status and nothing else of ours", async () => {
    const { rows } = await admin.query<{ name: string }>(
      "select p.proname as name from pg_proc p where p.pronamespace = 'public'::regnamespace and has_function_privilege('authenticated', p.oid, 'EXECUTE') and p.proname = any($1) order by 1",
      [[...Object.keys(RPC_CALLS), ...HELPERS]],
    );
    expect(rows.map((r) => r.name)).toEqual(["get_my_token_status"]);
  });

  it("service_role can execute the server RPCs and period_bounds, and no internal helper", async () => {
    const { rows } = await admin.query<{ name: string }>(
      "select p.proname as name from pg_proc p where p.pronamespace = 'public'::regnamespace and has_function_privilege('service_role', p.oid, 'EXECUTE') and p.proname = any($1) order by 1",
      [[...SERVER_RPCS, ...HELPERS, "get_my_token_status"]],
    );
    expect(rows.map((r) => r.name)).toEqual([...SERVER_RPCS, "period_bounds"].sort());
  });

  it("get_my_token_status returns the caller's own gauge", async () => {
    const mine = await asRole(admin, "authenticated", claims(userA), async (c) => (await c.query("select public.get_my_token_status() as s")).rows[0].s);
    expect(mine).toMatchObject({ user_id: userA, plan: "free", cap: 20_000, used: 100, held: 200, balance: 5000, remaining: 20_000 - 100 + 5000 - 200 });
  });

  it("get_my_token_status for a user with no account yet shows the free plan, creating nothing", async () => {
    const stranger = newUserId();
    const status = await asRole(admin, "authenticated", claims(stranger), async (c) => (await c.query("select public.get_my_token_status() as s")).rows[0].s);
    expect(status).toMatchObject({ user_id: stranger, plan: "free", used: 0, cap: 40_000, held: 0, balance: 0, remaining: 40_000 });
    expect((await admin.query("select count(*)::int as n from public.accounts where user_id = $1", [stranger])).rows[0]).toEqual({ n: 0 });
  });

  it.each([
    ["empty claims", null],
    ["no sub claim", { role: "authenticated" }],
    ["an empty sub", { sub: "", role: "authenticated" }],
  ])("get_my_token_status raises 42501 with %s", async (_name, jwt) => {
    const error = await pgError(asRole(admin, "authenticated", jwt, (c) => c.query("select public.get_my_token_status()")));
    expect(error).toEqual({ code: "42501", message: "get_my_token_status: no signed-in user (the JWT has no sub claim)" });
  });

  it("every RPC is SECURITY DEFINER with search_path ''; every helper pins search_path too", async () => {
    const { rows } = await admin.query<{ name: string; prosecdef: boolean; proconfig: string[] | null; owner: string }>(
      "select proname as name, prosecdef, proconfig, pg_get_userbyid(proowner) as owner from pg_proc where pronamespace = 'public'::regnamespace and proname = any($1) order by 1",
      [[...Object.keys(RPC_CALLS), ...HELPERS]],
    );
    expect(rows.map((r) => r.name).sort()).toEqual([...Object.keys(RPC_CALLS), ...HELPERS].sort());
    for (const fn of rows) {
      expect(fn.proconfig, fn.name).toEqual(['search_path=""']);
      expect(fn.prosecdef, fn.name).toBe(fn.name in RPC_CALLS);
    }
  });
});

describe("service_role", () => {
  it.each(LEDGERS)("cannot insert, update, delete or truncate %s", async (table) => {
    for (const sql of [
      `update public.${table} set created_at = now() where user_id = $1`,
      `delete from public.${table} where user_id = $1`,
      `insert into public.${table} (user_id) values ($1)`,
      `truncate public.${table}`,
    ]) {
      const error = await pgError(asRole(server, "service_role", null, (c) => c.query(sql, sql.includes("$1") ? [userA] : [])));
      expect(error.code, sql).toBe("42501");
    }
  });

  it("reads the ledgers (it bypasses RLS)", async () => {
    for (const table of LEDGERS) {
      const { rows } = await server.query(`select count(*)::int as n from public.${table} where user_id = any($1)`, [[userA, userB]]);
      expect(rows[0].n, table).toBeGreaterThanOrEqual(2);
    }
  });

  it("cannot change usage except through settle_tokens", async () => {
    for (const sql of [
      "update public.usage_periods set plan_tokens_used = 0 where user_id = $1",
      "delete from public.usage_periods where user_id = $1",
      "insert into public.usage_periods (user_id, period, period_start) values ($1, 'day', '2000-01-01')",
      "truncate public.usage_periods",
    ]) {
      const error = await pgError(asRole(server, "service_role", null, (c) => c.query(sql, sql.includes("$1") ? [userA] : [])));
      expect(error.code, sql).toBe("42501");
    }
  });

  it("cannot write a balance except through the functions", async () => {
    const before = await snapshot(userA);
    for (const sql of [
      "update public.accounts set balance = balance + 1 where user_id = $1",
      "insert into public.accounts (user_id, balance) values ($1 || '_new', 1)",
    ]) {
      const error = await pgError(asRole(server, "service_role", null, (c) => c.query(sql, [userA])));
      expect(error.code, sql).toBe("42501");
    }
    expect(await snapshot(userA)).toEqual(before);
  });

  it("may edit plans, models, settings, holds, and an account's other columns directly", async () => {
    await asRole(server, "service_role", null, async (c) => {
      await c.query("update public.plans set token_cap = token_cap where id = 'free'");
      await c.query("update public.models set sort_order = sort_order");
      await c.query("update public.app_settings set hold_ttl_seconds = 300");
      await c.query("update public.accounts set is_admin = true, plan_id = 'pro' where user_id = $1", [userA]);
      await c.query("insert into public.accounts (user_id) values ($1)", [newUserId()]);
      await c.query("delete from public.reservations where user_id = $1", [userA]);
    });
  });
});

describe("append-only ledgers", () => {
  it.each(LEDGERS)("%s rejects UPDATE, DELETE and TRUNCATE even from the owner", async (table) => {
    for (const [op, sql] of [
      ["UPDATE", `update public.${table} set created_at = now() where user_id = '${userA}'`],
      ["DELETE", `delete from public.${table} where user_id = '${userA}'`],
      ["TRUNCATE", `truncate public.${table} cascade`],
    ] as const) {
      const client = await admin.connect();
      try {
        await client.query("begin");
        const error = await pgError(client.query(sql));
        expect(error).toEqual({ code: "55000", message: `${table} is append-only: ${op} is not allowed` });
      } finally {
        await client.query("rollback");
        client.release();
      }
    }
    expect((await admin.query(`select count(*)::int as n from public.${table} where user_id = $1`, [userA])).rows[0].n).toBeGreaterThan(0);
  });
});

describe("plan assignment", () => {
  it("admin_set_plan output reflects the change for the user's own gauge", async () => {
    const userId = newUserId();
    await adminSetPlan(server, userId, "max");
    const mine = await asRole(admin, "authenticated", claims(userId), async (c) => (await c.query("select public.get_my_token_status() as s")).rows[0].s);
    expect(mine).toMatchObject({ plan: "max", plan_name: "Max", period: "month", cap: 1_500_000 });
  });
});
