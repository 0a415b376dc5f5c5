import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRequest, newTestUser, useAppEnv } from "./helpers/app";
import { createIsolatedDatabase, type IsolatedDatabase } from "./helpers/isolated-db";
import { callRpc, newRequestId, settleTokens } from "./helpers/metering";

/**
 * The gauge's status tells when the prepaid balance would expire (app_settings.balance_expiry_days, as
 * expire_inactive_balances decides it): the latest of the last settled request, the last credit and
 * the account's creation, plus the days; null when balances never expire or there is none. A database
 * of its own: the setting is global.
 */
let iso: IsolatedDatabase;
let GET: (request: Request) => Promise<Response>;
type Status = { balance: number; balance_expires_at: string | null };
const status = (userId: string, now: string) => callRpc<Status>(iso.server, "get_token_status", { p_user_id: userId, p_now: now });

beforeAll(async () => {
  iso = await createIsolatedDatabase();
  useAppEnv({ DATABASE_URL: iso.url });
  ({ GET } = await import("@/app/api/tokens/current/route"));
}, 120_000);
afterAll(async () => {
  await iso?.end();
});

describe("when the balance expires", () => {
  it("is null while balances never expire, then follows the last activity or credit once the setting is on", async () => {
    const userId = `user_bexp_${newRequestId().slice(0, 8)}`;
    await callRpc(iso.server, "admin_grant_tokens", { p_user_id: userId, p_tokens: 500, p_reason: "welcome", p_actor: "user_admin", p_now: "2011-01-01T00:00:00Z" });
    expect(await status(userId, "2011-01-02T00:00:00Z")).toMatchObject({ balance: 500, balance_expires_at: null });

    await iso.owner.query("update public.app_settings set balance_expiry_days = 90 where id");
    // Created by the grant on 2011-01-01: 90 days from then.
    expect((await status(userId, "2011-01-02T00:00:00Z")).balance_expires_at).toBe("2011-04-01T00:00:00.000Z");

    await settleTokens(iso.server, { userId, requestId: newRequestId(), input: 5, output: 5, now: "2011-02-10T12:00:00Z" });
    expect((await status(userId, "2011-02-11T00:00:00Z")).balance_expires_at).toBe("2011-05-11T12:00:00.000Z");
    await callRpc(iso.server, "admin_grant_tokens", { p_user_id: userId, p_tokens: 100, p_reason: "more", p_actor: "user_admin", p_now: "2011-03-01T00:00:00Z" });
    expect((await status(userId, "2011-03-02T00:00:00Z")).balance_expires_at).toBe("2011-05-30T00:00:00.000Z");
  });

  it("is null without a balance, and GET /api/tokens/current carries it", async () => {
    const user = newTestUser();
    const response = await GET(await appRequest("/api/tokens/current", { user }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { balance: number; balanceExpiresAt: string | null };
    expect(body.balanceExpiresAt).toBeNull();

    await callRpc(iso.server, "admin_grant_tokens", { p_user_id: user.id, p_tokens: 700, p_reason: "gift", p_actor: "user_admin" });
    const after = (await (await GET(await appRequest("/api/tokens/current", { user }))).json()) as { balance: number; balanceExpiresAt: string };
    expect(after.balance).toBeGreaterThanOrEqual(700);
    const days = (Date.parse(after.balanceExpiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
  });
});
