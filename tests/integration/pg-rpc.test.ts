import pg from "pg";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { createMeteringStore } from "@/lib/metering/store";
import { createPgRpcClient } from "@/lib/db/pg-rpc";
import { AppError } from "@/lib/errors";
import { getFreePort } from "@/scripts/free-port";
import { createTestPool } from "./helpers/db";
import { BASIC_MODEL, newRequestId, newUserId } from "./helpers/metering";

/**
 * The node-postgres adapter against the run's throwaway database: the same metering calls as the
 * app makes, the user path under the authenticated role, hostile argument values, error mapping,
 * and the number of round trips on the wire.
 */

/** A pool like lib/db/pool.ts builds: every session runs as service_role. Counts round trips. */
function createServerPool(max = 4) {
  const pool = new pg.Pool({ connectionString: inject("databaseUrl"), options: "-c role=service_role", max });
  const wire = { roundTrips: 0 };
  // One ReadyForQuery message from the server ends every round trip (a simple query, even with
  // several statements, or an extended-protocol Parse/Bind/Execute/Sync). The one that ends the
  // connection's startup has already been dispatched when the pool emits "connect".
  pool.on("connect", (client) => {
    client.connection.on("readyForQuery", () => {
      wire.roundTrips += 1;
    });
  });
  return { pool, wire };
}

const { pool: server, wire } = createServerPool();
const rpc = createPgRpcClient(server);
const store = createMeteringStore(rpc);
const admin = createTestPool(2); // superuser: checks the database behind the functions
afterAll(async () => {
  await Promise.all([server.end(), admin.end()]);
});

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.unreachable("expected an AppError, but the call succeeded"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function plansTableExists(): Promise<boolean> {
  // The seeded plans (other test files running at the same time may add their own).
  const { rows } = await admin.query<{ n: number }>("select count(*)::int as n from public.plans where id in ('free', 'pro', 'max')");
  return rows[0]!.n === 3;
}

describe("pg adapter: metering round trip", () => {
  it("runs server calls as service_role", async () => {
    const { rows } = await server.query("select current_user as who");
    expect(rows[0]).toEqual({ who: "service_role" });
  });

  it("reserve -> settle -> getTokenStatus agree with each other", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    const before = await store.getTokenStatus(userId);
    expect(before).toMatchObject({ userId, plan: "free", used: 0, held: 0 });
    expect(before.resetsAt).toBeInstanceOf(Date);

    const reserved = await store.reserveTokens({ userId, requestId, model: BASIC_MODEL, minTokens: 200, maxTokens: 3000 });
    expect(reserved).toMatchObject({ ok: true, requestId, reserved: 3000, alreadyReserved: false, status: { userId, held: 3000 } });
    expect(reserved.ok && reserved.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const settled = await store.settleTokens({ requestId, userId, model: BASIC_MODEL, inputTokens: 400, outputTokens: 1100, outcome: "ok" });
    expect(settled).toMatchObject({ requestId, totalTokens: 1500, planTokens: 1500, balanceTokens: 0, alreadySettled: false });

    // The read also tells when a balance would expire (never, here); settle's status leaves that out.
    const { balanceExpiresAt, ...after } = await store.getTokenStatus(userId);
    expect(balanceExpiresAt).toBeNull();
    expect(after).toStrictEqual(settled.status);
    expect(after).toMatchObject({ used: 1500, held: 0, cap: before.cap, balance: before.balance, remaining: before.remaining - 1500 });

    // Settling again is idempotent and charges nothing more.
    const again = await store.settleTokens({ requestId, userId, model: BASIC_MODEL, inputTokens: 400, outputTokens: 1100, outcome: "ok" });
    expect(again).toMatchObject({ alreadySettled: true, status: { used: 1500 } });
  });

  it("release drops a hold; releasing twice reports nothing released", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await store.reserveTokens({ userId, requestId, model: BASIC_MODEL, minTokens: 100, maxTokens: 500 });
    expect(await store.releaseTokens(requestId)).toStrictEqual({ requestId, released: true });
    expect(await store.releaseTokens(requestId)).toStrictEqual({ requestId, released: false });
    expect(await store.getTokenStatus(userId)).toMatchObject({ held: 0, used: 0 });
  });
});

describe("pg adapter: calls as the user (authenticated role, JWT claims)", () => {
  it("getMyTokenStatus returns the identity's own figures, and another identity gets its own", async () => {
    const userA = newUserId();
    const userB = newUserId();
    const requestId = newRequestId();
    await store.reserveTokens({ userId: userA, requestId, model: BASIC_MODEL, minTokens: 100, maxTokens: 700 });
    await store.settleTokens({ requestId, userId: userA, model: BASIC_MODEL, inputTokens: 300, outputTokens: 400, outcome: "ok" });
    await store.grantTokens(userB, 1234, "test grant", "user_admin");

    const mineA = await store.getMyTokenStatus({ userId: userA });
    expect(mineA).toStrictEqual(await store.getTokenStatus(userA));
    expect(mineA).toMatchObject({ userId: userA, used: 700 });

    const mineB = await store.getMyTokenStatus({ userId: userB });
    expect(mineB).toStrictEqual(await store.getTokenStatus(userB));
    expect(mineB).toMatchObject({ userId: userB, used: 0 });
    expect(mineB.balance).toBe(mineA.balance + 1234);
  });

  it("runs as authenticated: server-only functions are refused (forbidden)", async () => {
    const userId = newUserId();
    const error = await appError(rpc.callAsUser("get_token_status", { p_user_id: userId }, { userId }));
    expect(error.code).toBe("forbidden");
    const reserve = await appError(
      rpc.callAsUser("reserve_tokens", { p_user_id: userId, p_request_id: newRequestId(), p_model: BASIC_MODEL, p_min_tokens: 1, p_max_tokens: 1 }, { userId }),
    );
    expect(reserve.code).toBe("forbidden");
    expect((await admin.query("select 1 from public.accounts where user_id = $1", [userId])).rowCount).toBe(0);
  });

  it("an identity with an empty subject is forbidden (get_my_token_status raises 42501)", async () => {
    const error = await appError(store.getMyTokenStatus({ userId: "" }));
    expect(error.code).toBe("forbidden");
  });

  it("a failed user call rolls back and hands the connection back clean (still service_role, no open transaction)", async () => {
    const { pool, wire: counted } = createServerPool(1);
    try {
      const single = createPgRpcClient(pool);
      await appError(single.callAsUser("get_token_status", { p_user_id: "user_x" }, { userId: "user_x" }));
      const { rows } = await pool.query<{ who: string; claims: string | null; xact: string }>(
        "select current_user as who, current_setting('request.jwt.claims', true) as claims, now() = statement_timestamp() as xact",
      );
      expect(rows[0]!.who).toBe("service_role");
      expect(rows[0]!.claims ?? "").toBe("");
      expect(rows[0]!.xact).toBe(true); // a fresh implicit transaction, not one left open
      expect(counted.roundTrips).toBe(3); // the failed batch, its rollback, the check
    } finally {
      await pool.end();
    }
  });
});

describe("pg adapter: argument values are data, never SQL", () => {
  const oddUserId = () => `user_'; drop table public.plans; -- \\' $1 "q" ${newUserId()}`;

  it("call(): quotes, semicolons and backslashes in every text argument", async () => {
    const userId = oddUserId();
    const requestId = `req_'); delete from public.accounts; --${newRequestId()}`;
    const reserved = await store.reserveTokens({ userId, requestId, model: BASIC_MODEL, minTokens: 10, maxTokens: 250 });
    expect(reserved).toMatchObject({ ok: true, requestId, reserved: 250, status: { userId } });
    await store.settleTokens({ requestId, userId, model: BASIC_MODEL, inputTokens: 50, outputTokens: 50, outcome: "ok" });
    expect(await store.getTokenStatus(userId)).toMatchObject({ userId, used: 100, held: 0 });
    await store.grantTokens(userId, 5, "it's a 'gift'; --", "admin'; --");

    expect(await plansTableExists()).toBe(true);
    const { rows } = await admin.query<{ n: number }>("select count(*)::int as n from public.accounts where user_id = $1", [userId]);
    expect(rows[0]!.n).toBe(1);
    const ledger = await admin.query("select reason, actor from public.balance_ledger where user_id = $1 and delta = 5", [userId]);
    expect(ledger.rows).toEqual([{ reason: "it's a 'gift'; --", actor: "admin'; --" }]);
  });

  it("callAsUser(): the same odd id travels safely inside the JWT claims", async () => {
    const userId = oddUserId();
    await store.grantTokens(userId, 77, "test grant", "user_admin");
    const mine = await store.getMyTokenStatus({ userId });
    expect(mine).toStrictEqual(await store.getTokenStatus(userId));
    expect(mine.userId).toBe(userId);
    expect(await plansTableExists()).toBe(true);
  });

  it("callAsUser(): argument values are quoted as literals (valid ones work, hostile ones are rejected as data)", async () => {
    const userId = newUserId();
    const at = await rpc.callAsUser("get_my_token_status", { p_now: "2026-03-15T12:00:00.000Z" }, { userId });
    expect(at).toMatchObject({ user_id: userId, period_start: "2026-03-15T00:00:00.000Z", resets_at: "2026-03-16T00:00:00.000Z" });

    const hostile = await appError(
      rpc.callAsUser("get_my_token_status", { p_now: "2026-03-15'); drop table public.plans; --" }, { userId }),
    );
    // Parsed as a (bad) timestamp value: 22007 invalid_datetime_format, a 400 without Postgres's own wording.
    expect((hostile.cause as { code?: string }).code).toBe("22007");
    expect(hostile.code).toBe("bad_request");
    expect(hostile.message).toBe("Invalid input.");
    expect(await plansTableExists()).toBe(true);
  });

  it("argument and function names must be plain identifiers", async () => {
    await expect(rpc.call("get_token_status", { "p_user_id) ; drop table public.plans; --": "x" })).rejects.toThrow(/invalid RPC argument name/);
    await expect(rpc.callAsUser("get_my_token_status; select 1", {}, { userId: "user_x" })).rejects.toThrow(/invalid RPC function name/);
    expect(await plansTableExists()).toBe(true);
  });
});

describe("pg adapter: errors", () => {
  it("invalid input (negative tokens) -> bad_request with the function's message", async () => {
    const error = await appError(
      store.reserveTokens({ userId: newUserId(), requestId: newRequestId(), model: BASIC_MODEL, minTokens: -5, maxTokens: 100 }),
    );
    expect(error.code).toBe("bad_request");
    expect(error.message).toBe("reserve_tokens: p_min_tokens must be an integer >= 1 (got -5)");

    const grant = await appError(store.grantTokens(newUserId(), -1, "test", "user_admin"));
    expect(grant.code).toBe("bad_request");
    expect(grant.message).toMatch(/^admin_grant_tokens: p_tokens must be an integer >= 1/);
  });

  it("a pool pointing at a closed port -> unavailable, for server and user calls", async () => {
    const closed = new pg.Pool({ host: "127.0.0.1", port: await getFreePort(), user: "postgres", database: "postgres", connectionTimeoutMillis: 2000 });
    try {
      const dead = createMeteringStore(createPgRpcClient(closed));
      const serverCall = await appError(dead.getTokenStatus("user_x"));
      expect(serverCall.code).toBe("unavailable");
      expect(serverCall.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      const userCall = await appError(dead.getMyTokenStatus({ userId: "user_x" }));
      expect(userCall.code).toBe("unavailable");
    } finally {
      await closed.end();
    }
  });
});

describe("pg adapter: the connection drops mid-call", () => {
  it("callAsUser() answers unavailable and the process survives (no uncaught 'error' event)", async () => {
    const fn = `test_sleep_${Date.now()}`;
    await admin.query(`create function public.${fn}() returns jsonb language sql as $$ select pg_sleep(5); select '{}'::jsonb $$`);
    await admin.query(`grant execute on function public.${fn}() to authenticated`);
    try {
      const call = appError(rpc.callAsUser(fn, {}, { userId: newUserId() }));
      await vi.waitFor(
        async () => {
          const { rows } = await admin.query("select pg_terminate_backend(pid) as killed from pg_stat_activity where query like $1 and pid <> pg_backend_pid()", [
            `%public.${fn}()%`,
          ]);
          expect(rows.some((r) => r.killed)).toBe(true);
        },
        { timeout: 3000, interval: 20 },
      );
      const error = await call;
      expect(error.code).toBe("unavailable");
      // The pool still works afterwards.
      expect(await store.getTokenStatus(newUserId())).toMatchObject({ used: 0 });
    } finally {
      await admin.query(`drop function public.${fn}()`);
    }
  });
});

describe("pg adapter: round trips on the wire", () => {
  it("call() is exactly one round trip per call; a successful callAsUser() is one too", async () => {
    const userId = newUserId();
    const requestId = newRequestId();
    await server.query("select 1"); // warm a connection, so the count below is the calls alone
    const start = wire.roundTrips;
    const count = async (work: () => Promise<unknown>) => {
      const before = wire.roundTrips;
      await work();
      // pg rejects a failed query on ErrorResponse, which can arrive a packet before its ReadyForQuery.
      await vi.waitFor(() => expect(wire.roundTrips).toBeGreaterThan(before), { timeout: 1000, interval: 5 });
      await new Promise((resolve) => setTimeout(resolve, 20)); // and no second round trip follows
      return wire.roundTrips - before;
    };

    expect(await count(() => store.reserveTokens({ userId, requestId, model: BASIC_MODEL, minTokens: 10, maxTokens: 100 }))).toBe(1);
    expect(await count(() => store.settleTokens({ requestId, userId, model: BASIC_MODEL, inputTokens: 10, outputTokens: 20, outcome: "ok" }))).toBe(1);
    expect(await count(() => store.getTokenStatus(userId))).toBe(1);
    expect(await count(() => store.releaseTokens(requestId))).toBe(1);
    expect(await count(() => store.getMyTokenStatus({ userId }))).toBe(1);
    expect(await count(() => appError(store.reserveTokens({ userId, requestId, model: BASIC_MODEL, minTokens: 0, maxTokens: 1 })))).toBe(1);
    expect(wire.roundTrips - start).toBe(6);
  });
});
