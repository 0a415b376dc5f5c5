import { axeViolations, expect, test } from "./fixtures";
import { ChatPage } from "./pages/chat-page";

test.describe("chat in the browser", () => {
  test("a free user chats: the reply streams in as markdown, its token line and the gauge equal the ledger", async ({ page, user, db }, testInfo) => {
    const chat = new ChatPage(page);
    await expect(chat.gauge).toHaveAttribute("data-level", "ok");
    expect(await chat.gaugeUsed()).toBe(0);
    await page.screenshot({ path: testInfo.outputPath("chat-empty.png") });

    await chat.send("[[markdown]] [[reply_tokens:400]] Tell me about lighthouses");
    await expect(chat.lastReply()).toHaveAttribute("data-state", "done", { timeout: 20_000 });
    const reply = chat.lastReply();
    await expect(reply.locator("table").first()).toBeVisible();
    await expect(reply.locator("li").first()).toBeVisible();
    await expect(reply.locator("h2").first()).toBeVisible();
    await expect(reply.locator("pre code").first()).toBeVisible();

    const [row] = await db.waitForLedger(user.id, 1);
    expect(await chat.tokenLine()).toEqual({ input: row!.input_tokens, output: row!.output_tokens, total: row!.total_tokens });
    await expect.poll(() => chat.gaugeUsed()).toBe(row!.total_tokens);
    await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("conversation-list").getByRole("link", { name: /Tell me about lighthouses|markdown/ })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("chat-reply.png"), fullPage: true });

    // Reopened, the conversation shows its messages and the same token line, from what was stored.
    await page.reload();
    await expect(chat.messages).toHaveCount(2);
    expect(await chat.tokenLine()).toEqual({ input: row!.input_tokens, output: row!.output_tokens, total: row!.total_tokens });
    expect(await axeViolations(page)).toEqual([]);
  });

  test("stop mid-stream: the partial reply stays, marked stopped, and the gauge matches the ledger", async ({ page, user, db }, testInfo) => {
    const chat = new ChatPage(page);
    await chat.send("[[reply_tokens:3000]] A long story, please");
    // Text has arrived (not just "Thinking…"): then stop.
    await expect(chat.lastReply().getByTestId("reply-text")).toBeVisible();
    await chat.stop.click();
    await expect(chat.lastReply()).toHaveAttribute("data-state", "stopped");
    await expect(chat.lastReply()).toContainText("Stopped");
    await expect(chat.composer).toBeFocused();
    const partial = await chat.lastReply().getByTestId("reply-text").innerText();
    expect(partial.trim().length).toBeGreaterThan(0);

    const [row] = await db.waitForLedger(user.id, 1);
    expect(row!.outcome).toBe("aborted");
    expect(row!.output_tokens).toBeLessThan(3000);
    await expect.poll(() => chat.gaugeUsed(), { timeout: 10_000 }).toBe(row!.total_tokens);
    await expect(chat.lastReply().getByTestId("message-total-tokens")).toHaveText(new Intl.NumberFormat("en-US").format(row!.total_tokens));
    await page.screenshot({ path: testInfo.outputPath("chat-stopped.png") });
  });

  test("the whole chat flow works with the keyboard alone", async ({ page, user, db }) => {
    const chat = new ChatPage(page);
    // From the top of the page, Tab reaches the composer.
    await page.locator("body").focus();
    for (let i = 0; i < 40 && !(await chat.composer.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
    await expect(chat.composer).toBeFocused();
    await page.keyboard.type("Hello with the keyboard only");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("second line [[reply_tokens:30]]");
    await expect(chat.composer).toHaveValue("Hello with the keyboard only\nsecond line [[reply_tokens:30]]");
    await expect(page.getByTestId("send")).toBeEnabled({ timeout: 20_000 }); // the models and the allowance have loaded
    await page.keyboard.press("Enter");
    await expect(chat.lastReply()).toHaveAttribute("data-state", "done", { timeout: 20_000 });
    await db.waitForLedger(user.id, 1);
    // The conversation's menu opens from the keyboard: rename it.
    const actions = page.getByTestId("conversation-list").getByRole("button", { name: /Actions for/ });
    await actions.focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("menuitem", { name: "Rename" })).toBeFocused(); // the first item
    await page.keyboard.press("Enter");
    const title = page.getByLabel("Title");
    await expect(title).toBeFocused();
    await title.fill("Renamed by keyboard");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("conversation-list").getByRole("link", { name: "Renamed by keyboard" })).toBeVisible();
  });

  test("phone width: the sidebar is a drawer", async ({ page, user }, testInfo) => {
    void user;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/chat");
    await expect(page.getByRole("button", { name: "Open menu" })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("phone-chat.png") });
    await page.getByRole("button", { name: "Open menu" }).click();
    const drawer = page.getByRole("dialog");
    await expect(drawer.getByTestId("token-gauge")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("phone-drawer.png") });
    await page.keyboard.press("Escape");
    await expect(drawer).toBeHidden();
  });
});
