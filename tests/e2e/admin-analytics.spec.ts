import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";
import { AdminPage } from "./pages/admin-page";

/**
 * The analytics page's totals are the ledger's: after seeding requests of a fresh user (today and
 * five days ago, one with an unknown cost), the page's tokens, requests and cost for its default
 * range (the last 30 UTC days) equal sums straight from usage_ledger, and so does each CSV.
 */
test("the analytics page's totals equal the ledger, and so do its CSV downloads", async ({ browser, db }, testInfo) => {
  test.setTimeout(90_000);
  const userId = `user_e2e_analytics_${randomUUID().slice(0, 8)}`;
  await db.pool.query("insert into public.accounts (user_id) values ($1)", [userId]);
  await db.pool.query(
    `insert into public.usage_ledger (request_id, user_id, model, input_tokens, output_tokens, total_tokens, plan_tokens, balance_tokens, cost_usd, latency_ms, outcome, period, period_start, created_at)
     select $1 || '_' || i, $1, m, i * 10, i * 20, i * 30, i * 30, 0, case when i = 3 then null else i * 0.0001 end, 100, 'ok', 'day',
            date_trunc('day', t), t
     from (values (1, 'openai/gpt-4o-mini', now() - interval '1 minute'),
                  (2, 'anthropic/claude-3.5-haiku', now() - interval '5 days'),
                  (3, 'openai/gpt-4o-mini', now() - interval '5 days')) v(i, m, t)`,
    [userId],
  );
  const { rows } = await db.pool.query<{ tokens: number; requests: number; cost: number }>(
    `select coalesce(sum(total_tokens), 0)::int as tokens, count(*)::int as requests, coalesce(sum(cost_usd), 0)::float8 as cost
     from public.usage_ledger
     where (created_at at time zone 'UTC')::date between (now() at time zone 'UTC')::date - 29 and (now() at time zone 'UTC')::date`,
  );
  const ledger = rows[0]!;
  expect(ledger.requests).toBeGreaterThanOrEqual(3);

  const admin = await AdminPage.open(browser);
  await admin.goto("analytics");
  const total = (id: string) => admin.page.getByTestId(id);
  await expect(total("analytics-total-tokens")).toHaveAttribute("data-value", String(ledger.tokens));
  await expect(total("analytics-total-requests")).toHaveAttribute("data-value", String(ledger.requests));
  expect(Number(await total("analytics-total-cost").getAttribute("data-value"))).toBeCloseTo(ledger.cost, 9);
  await expect(admin.page.getByTestId("analytics-users")).toContainText(userId.slice(0, 20));

  // The CSVs the page links to: the daily rows and the by-model rows each add up to the ledger.
  for (const view of ["daily", "models"] as const) {
    const href = await admin.page.getByTestId(`analytics-csv-${view}`).getAttribute("href");
    const csv = await (await admin.page.request.get(href!)).text();
    const lines = csv.trim().split("\r\n").slice(1).map((line) => line.split(","));
    expect(lines.reduce((sum, fields) => sum + Number(fields.at(-2)), 0), `${view} tokens`).toBe(ledger.tokens);
    expect(lines.reduce((sum, fields) => sum + Number(fields[1]), 0), `${view} requests`).toBe(ledger.requests);
  }

  // Screenshots of this page (light and dark, desktop and phone) are taken with every admin screen in admin.spec.ts.
  await admin.page.screenshot({ path: testInfo.outputPath("admin-analytics-data.png") });
  await admin.close();
});
