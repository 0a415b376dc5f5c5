import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIsolatedDatabase, type IsolatedDatabase } from "./helpers/isolated-db";
import { expectBalanceMatchesLedger, newRequestId, newUserId, reserveTokens } from "./helpers/metering";

/**
 * Starter tokens: a new account receives app_settings.starter_balance once, as one `grant` row, even
 * when its first requests all arrive at once. Runs on a database of its own: it sets the starter
 * balance, which every other test file's new accounts would otherwise receive too.
 */
let iso: IsolatedDatabase;

beforeAll(async () => {
  iso = await createIsolatedDatabase();
  await iso.owner.query("update public.app_settings set starter_balance = 5000 where id");
});
afterAll(async () => {
  await iso?.end();
});

describe("starter balance", () => {
  it("20 first requests at once: one grant row, the balance granted once", async () => {
    const userId = newUserId();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => reserveTokens(iso.server, { userId, requestId: newRequestId(), min: 10, max: 100 })),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    const { rows } = await iso.owner.query("select delta::int, kind, reason from public.balance_ledger where user_id = $1", [userId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ delta: 5000, kind: "grant" });
    expect(await expectBalanceMatchesLedger(iso.owner, userId)).toBe(5000);
    expect(Number((await iso.owner.query("select count(*) from public.accounts where user_id = $1", [userId])).rows[0].count)).toBe(1);
  });
});
