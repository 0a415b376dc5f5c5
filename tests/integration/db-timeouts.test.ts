import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { RpcClient } from "@/lib/db/rpc";
import { AppError } from "@/lib/errors";
import { createTestPool } from "./helpers/db";
import { newRequestId, newUserId, settleTokens, createServicePool } from "./helpers/metering";

/**
 * A database that stops answering (frozen, partitioned, stuck on a lock) must give a fast 503
 * `unavailable` with Retry-After, never a hang: node-postgres' query_timeout and connect timeout
 * bound every call on the app side (lib/db/pool.ts createPool), and a timed-out client is destroyed,
 * never pooled again.
 */
let createPool: typeof import("@/lib/db/pool").createPool;
let createPgRpcClient: typeof import("@/lib/db/pg-rpc").createPgRpcClient;

const owner = createTestPool(2);
const server = createServicePool(2);
let silent: net.Server;
let silentPort = 0;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  ({ createPool } = await import("@/lib/db/pool"));
  ({ createPgRpcClient } = await import("@/lib/db/pg-rpc"));
  // A "database" that accepts connections and never says a word: a frozen server.
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await Promise.all([owner.end(), server.end()]);
});

async function failureOf(call: Promise<unknown>): Promise<{ error: AppError; ms: number }> {
  const start = performance.now();
  try {
    await call;
  } catch (error) {
    return { error: error as AppError, ms: performance.now() - start };
  }
  throw new Error("expected the call to fail");
}

function expectUnavailable(error: AppError) {
  expect(error).toBeInstanceOf(AppError);
  expect(error.code).toBe("unavailable");
  expect(error.headers).toEqual({ "Retry-After": "5" });
}

describe("app-side time limits on database calls", () => {
  it("a server that never answers: 503 after the connect limit, not a hang", async () => {
    const pool = createPool({ url: `postgresql://postgres:postgres@127.0.0.1:${silentPort}/postgres`, max: 2, statementTimeoutMs: 60_000, callTimeoutMs: 300 });
    try {
      const rpc: RpcClient = createPgRpcClient(pool);
      const server = await failureOf(rpc.call("ping", {}));
      expectUnavailable(server.error);
      expect(server.ms).toBeLessThan(5_000);
      const user = await failureOf(rpc.callAsUser("get_my_token_status", {}, { userId: "user_x" }));
      expectUnavailable(user.error);
    } finally {
      await pool.end();
    }
  });

  it("a call stuck on the server (here: a row lock held elsewhere) ends at the app's limit; the stuck client is discarded and the pool recovers", async () => {
    const userId = newUserId();
    await settleTokens(server, { userId, requestId: newRequestId(), input: 1, output: 1 }); // the account exists
    const pool = createPool({ url: inject("databaseUrl"), max: 2, statementTimeoutMs: 60_000, callTimeoutMs: 400, role: "service_role" });
    const locker = await owner.connect();
    try {
      await locker.query("begin");
      await locker.query("select 1 from public.accounts where user_id = $1 for update", [userId]);
      const rpc = createPgRpcClient(pool);
      const args = { p_user_id: userId, p_request_id: newRequestId(), p_model: "openai/gpt-4o-mini", p_min_tokens: 10, p_max_tokens: 100 };
      const server = await failureOf(rpc.call("reserve_tokens", args));
      expectUnavailable(server.error);
      expect(server.ms).toBeLessThan(5_000);
      await locker.query("rollback");

      // A user call stuck the same way (a read waiting on a table lock; held for well under a second,
      // as the other test files share this database).
      await locker.query("begin");
      await locker.query("lock table public.usage_alerts in access exclusive mode");
      const asUser = await failureOf(rpc.callAsUser("get_my_token_status", {}, { userId }));
      await locker.query("rollback");
      expectUnavailable(asUser.error);
      expect(asUser.ms).toBeLessThan(5_000); // no rollback round trip on a stuck client

      // Both stuck clients were destroyed, not pooled: the next calls get fresh connections and work.
      expect((await rpc.call("ping", {})) as unknown).toBeTruthy();
      const reserved = (await rpc.call("reserve_tokens", { ...args, p_request_id: newRequestId() })) as { ok: boolean };
      expect(reserved.ok).toBe(true);
    } finally {
      await locker.query("rollback").catch(() => {});
      locker.release();
      await pool.end();
    }
  });
});
