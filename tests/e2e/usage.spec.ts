import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { axeViolations, expect, test } from "./fixtures";
import { ChatPage } from "./pages/chat-page";

test("the usage page lists every request, paginates, its chart and totals equal the ledger, and the CSV matches it row for row", async ({ page, user, db }, testInfo) => {
  test.setTimeout(90_000);
  // Two requests through the chat, then 28 more metered straight through the SQL functions, as the chat route does.
  const chat = new ChatPage(page);
  await chat.chat("[[reply_tokens:40]] for the history");
  await chat.newChat();
  await chat.chat("[[reply_tokens:60]] and another");
  for (let i = 0; i < 28; i++) {
    const requestId = randomUUID();
    const model = i % 3 === 0 ? "openai/gpt-4o" : "openai/gpt-4o-mini";
    await db.pool.query("select public.reserve_tokens(p_user_id => $1, p_request_id => $2, p_model => $3, p_min_tokens => 20, p_max_tokens => 200)", [user.id, requestId, model]);
    await db.pool.query(
      "select public.settle_tokens(p_request_id => $1, p_user_id => $2, p_model => $3, p_input_tokens => $4, p_output_tokens => $5, p_outcome => $6)",
      [requestId, user.id, model, 10 + i, 50 + i, i % 7 === 0 ? "aborted" : "ok"],
    );
  }
  const ledger = await db.waitForLedger(user.id, 30);
  const total = ledger.reduce((sum, row) => sum + row.total_tokens, 0);

  await page.getByRole("link", { name: "Usage and history" }).filter({ visible: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/usage");
  await expect(page.getByRole("heading", { level: 1, name: "Usage and history" })).toBeVisible();
  await expect(page.getByTestId("history-row")).toHaveCount(25);
  await page.getByTestId("history-more").click();
  await expect(page.getByTestId("history-row")).toHaveCount(30);
  const shown = await page.getByTestId("history-row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-request-id")));
  expect(shown).toEqual(ledger.map((row) => row.request_id).reverse());

  await expect(page.getByTestId("total-tokens")).toHaveText(new Intl.NumberFormat("en-US").format(total));
  await expect(page.getByTestId("daily-chart")).toHaveAttribute("data-total", String(total));
  await expect(page.getByTestId("by-model")).toContainText("openai/gpt-4o-mini");
  await page.screenshot({ path: testInfo.outputPath("usage.png"), fullPage: true });
  expect(await axeViolations(page)).toEqual([]);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const csv = (await readFile((await download.path())!, "utf8")).trim().split("\r\n");
  expect(csv[0]).toBe("time,model,input_tokens,output_tokens,total_tokens,cost_usd,outcome,conversation_id,request_id");
  const rows = csv.slice(1).map((line) => line.split(","));
  expect(rows).toHaveLength(30);
  const byId = new Map(rows.map((fields) => [fields[8], fields]));
  for (const row of ledger) {
    const fields = byId.get(row.request_id)!;
    expect(fields, row.request_id).toBeDefined();
    expect([fields[1], Number(fields[2]), Number(fields[3]), Number(fields[4]), fields[6]]).toEqual([row.model, row.input_tokens, row.output_tokens, row.total_tokens, row.outcome]);
  }
});
