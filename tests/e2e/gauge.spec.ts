import { signIn, expect, test } from "./fixtures";
import { ChatPage } from "./pages/chat-page";

import type { Page } from "@playwright/test";
import type { Db } from "./fixtures";

const toast = (page: Page, percent: number) => page.locator("[data-sonner-toast]").filter({ hasText: `You have used ${percent}%` });

/** Crossings the user's browser has acknowledged (shown). */
async function acknowledged(db: Db, userId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>("select count(*)::int as n from public.usage_alerts where user_id = $1 and acknowledged_at is not null", [userId]);
  return rows[0]!.n;
}

/**
 * Reloads the page and waits until the gauge shows the status (and two frames more, for any toast it
 * would raise). Called once the crossings are acknowledged in the database, so no status can carry one.
 */
async function reloadAndSettle(page: Page, level: string) {
  await page.reload();
  await expect(new ChatPage(page).gauge).toHaveAttribute("data-level", level);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

test("80% and 95% each toast once (not again after a reload or in another browser), and at 100% the composer gives way to the reason and the reset time", async ({
  page,
  browser,
  user,
  db,
}, testInfo) => {
  test.setTimeout(90_000);
  const chat = new ChatPage(page);
  await db.setCap(user.id, 1_000);
  await page.reload();
  await expect(chat.gauge).toHaveAttribute("data-level", "ok");
  await page.screenshot({ path: testInfo.outputPath("gauge-green.png") });

  // About 16 prompt tokens + 800 out: past 80%.
  await chat.chat("[[reply_tokens:800]] first");
  await expect(toast(page, 80)).toHaveCount(1);
  await expect(chat.gauge).toHaveAttribute("data-level", "warning");
  await expect(chat.gauge).toContainText("Running low");
  await page.screenshot({ path: testInfo.outputPath("gauge-yellow.png") });

  // Shown once: once acknowledged, not after a reload, nor in a second browser signed in as the same user.
  await expect.poll(() => acknowledged(db, user.id)).toBe(1);
  await reloadAndSettle(page, "warning");
  await expect(toast(page, 80)).toHaveCount(0);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, user.name);
  await reloadAndSettle(otherPage, "warning");
  await expect(otherPage.locator("[data-sonner-toast]")).toHaveCount(0);

  // Past 95% (a new chat each time, so the prompt carries no earlier reply: about 16 tokens).
  const used = await chat.gaugeUsed();
  await chat.newChat();
  await chat.chat(`[[reply_tokens:${960 - used - 16}]] second`);
  await expect(toast(page, 95)).toHaveCount(1);
  await expect(chat.gauge).toHaveAttribute("data-level", "critical");
  await page.screenshot({ path: testInfo.outputPath("gauge-red.png") });
  // Once acknowledged, the other browser does not show it either.
  await expect.poll(() => acknowledged(db, user.id)).toBe(2);
  await reloadAndSettle(otherPage, "critical");
  await expect(otherPage.locator("[data-sonner-toast]")).toHaveCount(0);
  await other.close();

  // The rest: the server clamps the reply to what remains, then nothing is left.
  await chat.newChat();
  await chat.chat("[[reply_tokens:500]] third");
  await expect.poll(() => chat.gaugeUsed()).toBe(1_000);
  await expect(chat.gauge).toHaveAttribute("data-level", "exhausted");
  await expect(chat.composer).toBeHidden();
  await expect(chat.quotaWall).toContainText("You have used your daily allowance");
  await expect(chat.quotaWall).toContainText(/resets in \d+ (h|min)|in less than a minute/);
  await expect(chat.quotaWall).toContainText("midnight UTC");
  const ledger = await db.ledger(user.id);
  expect(ledger.reduce((sum, row) => sum + row.total_tokens, 0)).toBe(1_000);
  await page.screenshot({ path: testInfo.outputPath("gauge-exhausted.png") });
});

test("dark mode: the gauge and the chat follow the system setting", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  await signIn(page, `E2E dark ${Date.now() % 1_000_000}`);
  const chat = new ChatPage(page);
  await chat.chat("[[markdown]] [[reply_tokens:200]] dark mode");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).not.toBe("rgb(255, 255, 255)");
  await page.screenshot({ path: testInfo.outputPath("chat-dark.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath("chat-dark-phone.png") });
  await context.close();
});
