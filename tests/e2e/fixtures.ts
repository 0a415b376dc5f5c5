import { test as base, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import pg from "pg";
import { E2E_DATABASE_URL } from "./e2e-env";

/**
 * What the e2e tests share: the run's database (to read the ledger and to set caps as an admin
 * would), a fresh signed-in user per test, screenshots kept as artifacts, and an axe scan.
 */
export type LedgerRow = { request_id: string; model: string; input_tokens: number; output_tokens: number; total_tokens: number; cost_usd: number | null; outcome: string };

export class Db {
  constructor(readonly pool: pg.Pool) {}

  async ledger(userId: string): Promise<LedgerRow[]> {
    const { rows } = await this.pool.query<LedgerRow>(
      `select request_id, model, input_tokens::int, output_tokens::int, total_tokens::int, cost_usd::float8, outcome
         from public.usage_ledger where user_id = $1 order by id`,
      [userId],
    );
    return rows;
  }

  async waitForLedger(userId: string, count: number): Promise<LedgerRow[]> {
    await expect.poll(async () => (await this.ledger(userId)).length, { timeout: 15_000 }).toBe(count);
    return this.ledger(userId);
  }

  async setCap(userId: string, cap: number): Promise<void> {
    await this.pool.query("select public.admin_set_cap_override($1, $2, 'e2e')", [userId, cap]);
  }
}

export const test = base.extend<{ db: Db; user: { id: string; name: string } }>({
  db: async ({}, provide) => {
    const pool = new pg.Pool({ connectionString: E2E_DATABASE_URL, max: 2 });
    await provide(new Db(pool));
    await pool.end();
  },
  user: async ({ page }, provide, testInfo) => {
    const name = `E2E ${testInfo.title.slice(0, 20).replace(/[^\p{L}\p{N} ]/gu, "")} ${Date.now() % 1_000_000}`;
    await provide({ id: await signIn(page, name), name });
  },
});

/** Signs in with the dev sign-in form; answers the user id the server gave. */
export async function signIn(page: Page, name: string): Promise<string> {
  await page.goto("/sign-in?next=/chat");
  await page.getByLabel("Your name").fill(name);
  const response = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-in"));
  await page.getByRole("button", { name: "Sign in" }).click();
  const body = (await (await response).json()) as { user: { id: string } };
  await expect(page).toHaveURL((url) => url.pathname === "/chat");
  return body.user.id;
}

/** Serious and critical axe violations of the page as it stands (none expected). */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

export { expect };
