import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcClient } from "@/lib/db/rpc";
import { createTestPool } from "./helpers/db";
import { createServicePool, newRequestId, newUserId, settleTokens } from "./helpers/metering";

/**
 * The usage store over the database port: as the user under RLS, or (a port that needs a JWT the
 * session lacks: hosted Supabase with the dev sign-in) as the server for the verified user.
 */
let createPgRpcClient: (pool: import("pg").Pool) => RpcClient;
let createUsageStore: typeof import("@/lib/usage/store").createUsageStore;

const userPool = createTestPool(2);
const server = createServicePool(2);
beforeAll(async () => {
  ({ createPgRpcClient } = await import("@/lib/db/pg-rpc"));
  ({ createUsageStore } = await import("@/lib/usage/store"));
});
afterAll(async () => {
  await Promise.all([userPool.end(), server.end()]);
});

/** A port like supabase-js's: user calls need a token; records which way each call went. */
function tokenPort() {
  const inner = createPgRpcClient(server);
  const asUser = createPgRpcClient(userPool);
  const calls: string[] = [];
  const rpc: RpcClient = {
    userCallsNeedToken: true,
    call: (fn, args) => {
      calls.push(`server:${fn}`);
      return inner.call(fn, args);
    },
    callAsUser: (fn, args, identity) => {
      calls.push(`user:${fn}`);
      return asUser.callAsUser(fn, args, identity);
    },
  };
  return { rpc, calls };
}

describe("createUsageStore", () => {
  const userId = newUserId();
  const requestIds: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) {
      const requestId = newRequestId();
      requestIds.unshift(requestId);
      await settleTokens(server, { userId, requestId, input: 10 + i, output: 1, now: new Date(Date.now() - (10 - i) * 1000) });
    }
    await settleTokens(server, { userId: newUserId(), requestId: newRequestId(), input: 1, output: 1 });
  });

  it("reads as the user, and pages by position", async () => {
    const store = createUsageStore(createPgRpcClient(userPool));
    const first = await store.getHistoryPage({ userId }, { range: "7d", limit: 3 });
    expect(first.items.map((i) => i.requestId)).toEqual(requestIds.slice(0, 3));
    expect(first.next).toMatchObject({ id: expect.any(Number), createdAt: expect.any(String), asOf: expect.any(String) });
    const second = await store.getHistoryPage({ userId }, { range: "7d", limit: 3, after: first.next });
    expect(second.items.map((i) => i.requestId)).toEqual(requestIds.slice(3));
    expect(second.next).toBeNull();
    expect(second.range).toEqual(first.range);
  });

  it("without a database token on a port that needs one, reads the same rows as the server for the verified user", async () => {
    const { rpc, calls } = tokenPort();
    const store = createUsageStore(rpc);
    const direct = createUsageStore(createPgRpcClient(userPool));

    const page = await store.getHistoryPage({ userId }, { range: "30d", limit: 100 });
    expect(page.items).toEqual((await direct.getHistoryPage({ userId }, { range: "30d", limit: 100 })).items);
    expect(await store.getDailyTotals({ userId }, 7)).toEqual(await direct.getDailyTotals({ userId }, 7));
    expect(await store.getTotalsByModel({ userId }, "30d")).toEqual(await direct.getTotalsByModel({ userId }, "30d"));
    expect(calls).toEqual(["server:get_usage_history", "server:get_usage_daily", "server:get_usage_by_model"]);

    calls.length = 0;
    await store.getTotalsByModel({ userId, accessToken: "a.jwt.token" }, "7d");
    expect(calls).toEqual(["user:get_my_usage_by_model"]);
  });
});
