import { axeViolations, expect, test } from "./fixtures";
import { ADMIN_SCREENS, AdminPage } from "./pages/admin-page";
import { ChatPage } from "./pages/chat-page";

const number = (value: number) => new Intl.NumberFormat("en-US").format(value);
/** The token gauge polls every 30 s: its next poll comes within this. */
const NEXT_POLL_MS = 45_000;

test("a signed-in user who is not an admin gets the Admins only page and 403 from the admin API, and no Admin link", async ({ page, user }, testInfo) => {
  await expect(page.getByRole("link", { name: "Admin", exact: true })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Admins only" })).toBeVisible();
  await expect(page.getByTestId("admins-only")).toContainText("403");
  await page.goto("/admin/users");
  await expect(page.getByRole("heading", { level: 1, name: "Admins only" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("admin-admins-only.png") });

  for (const path of ["/api/admin/plans", "/api/admin/users", `/api/admin/users/${user.id}`, "/api/admin/audit"]) {
    const response = await page.request.get(path);
    expect([path, response.status(), (await response.json()).error]).toEqual([path, 403, { code: "forbidden", message: "Admins only." }]);
  }
  const status = await page.evaluate(async (id) => (await fetch(`/api/admin/users/${id}/grant`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tokens: 5, reason: "self" }) })).status, user.id);
  expect(status).toBe(403);
});

test("an admin edits the free plan's cap (keyboard only) and a free user's gauge shows the new cap on its next poll", async ({ page, browser, user }) => {
  test.setTimeout(120_000);
  const chat = new ChatPage(page);
  await expect(chat.gauge).toContainText("Free plan");
  await expect(chat.gauge.getByTestId("token-gauge-figures")).toContainText(`/ ${number(40_000)} tokens`);
  // An account exists from the first request on.
  await chat.chat("[[reply_tokens:30]] hello");

  const admin = await AdminPage.open(browser);
  await expect(admin.page.getByRole("link", { name: "Admin", exact: true }).filter({ visible: true })).toBeVisible();
  await admin.page.getByRole("link", { name: "Admin", exact: true }).filter({ visible: true }).click();
  await expect(admin.page).toHaveURL((url) => url.pathname === "/admin/plans");
  await admin.settled();
  const row = admin.planRow("free");
  const original = Number((await row.getByTestId("plan-cap").innerText()).replace(/\D/g, ""));
  const cap = original + 5_000;
  try {
    // Enter opens the row's form with the focus in it; Escape closes it and gives the focus back to Edit.
    const edit = admin.page.getByRole("button", { name: "Edit Free plan" });
    await edit.focus();
    await admin.page.keyboard.press("Enter");
    await expect(admin.page.getByLabel("Display name")).toBeFocused();
    await admin.page.keyboard.press("Escape");
    await expect(edit).toBeFocused();
    await admin.page.keyboard.press("Enter");

    // A value the schema refuses is said by its field, and nothing is sent.
    const capField = admin.page.getByLabel("Token cap");
    await capField.focus();
    await admin.page.keyboard.press("ControlOrMeta+a");
    await admin.page.keyboard.type("-5");
    await admin.page.keyboard.press("Enter");
    await expect(admin.page.getByTestId("plan-form").getByTestId("field-error")).toHaveText("Token cap must be at least 0");
    await expect(capField).toHaveAttribute("aria-invalid", "true");

    await admin.page.keyboard.press("ControlOrMeta+a");
    await admin.page.keyboard.type(String(cap));
    await admin.page.getByLabel("Reason (optional)").focus();
    await admin.page.keyboard.type("e2e: a bigger free allowance");
    await admin.page.keyboard.press("Enter");
    await expect(admin.toast(`Free plan saved: ${number(cap)} tokens a day`)).toBeVisible();
    await expect(row.getByTestId("plan-cap")).toHaveText(number(cap));
    await expect(admin.page.getByRole("button", { name: "Edit Free plan" })).toBeFocused();

    // The free user's gauge picks it up on its next poll, without a reload.
    await expect(chat.gauge.getByTestId("token-gauge-figures")).toContainText(`/ ${number(cap)} tokens`, { timeout: NEXT_POLL_MS });

    // The admin's view of the user says the same.
    await admin.openUser(user.id);
    await expect(admin.page.getByTestId("user-used")).toHaveText(new RegExp(`^[\\d,]+ / ${number(cap)}$`));

    // The audit log has it, with the reason.
    await admin.goto("audit");
    await admin.page.getByLabel("Action").selectOption("update_plan");
    await admin.page.getByRole("button", { name: "Apply" }).click();
    await expect(admin.page.getByTestId("audit-row").first()).toContainText("plan:free");
    await expect(admin.page.getByTestId("audit-row").first()).toContainText(`token_cap: ${cap}`);
    await expect(admin.page.getByTestId("audit-row").first()).toContainText("e2e: a bigger free allowance");
  } finally {
    // The other specs count on the free plan's 40,000.
    expect(await admin.api("/api/admin/plans", "PATCH", { id: "free", tokenCap: original, reason: "e2e: restore" })).toBe(200);
    await admin.close();
  }
});

test("an admin grants tokens to a user from the Users page and the user's gauge shows the balance; a top-up's reference applies once", async ({ page, browser, user }) => {
  test.setTimeout(120_000);
  const chat = new ChatPage(page);
  // An account exists from the first request on.
  await chat.chat("[[reply_tokens:30]] hello");
  const admin = await AdminPage.open(browser);
  try {
    await admin.openUser(user.id);
    await expect(admin.page.getByTestId("user-id")).toHaveText(user.id);
    const before = await admin.balance();

    // The dialog: Escape closes it and the focus goes back to its button.
    const grant = admin.page.getByTestId("action-grant");
    await grant.click();
    const dialog = admin.page.getByRole("dialog", { name: "Grant tokens" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Tokens")).toBeFocused();
    await admin.page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(grant).toBeFocused();

    // A grant needs a reason: said by the field, nothing sent.
    await grant.click();
    await dialog.getByLabel("Tokens").fill("12345");
    await dialog.getByRole("button", { name: "Grant tokens" }).click();
    await expect(dialog.getByTestId("field-error")).toHaveText("Reason must not be empty");
    await dialog.getByLabel("Reason").fill("e2e: support ticket 42");
    await dialog.getByRole("button", { name: "Grant tokens" }).click();
    await expect(dialog).toBeHidden();
    await expect(admin.toast(`Granted. ${user.id}'s balance: ${number(before + 12_345)} tokens`)).toBeVisible();
    await expect(admin.page.getByTestId("user-balance")).toHaveText(`${number(before + 12_345)} tokens`);
    await expect(admin.page.getByTestId("ledger-row").first()).toContainText("e2e: support ticket 42");
    await expect(admin.page.getByTestId("ledger-row").first()).toContainText("+12,345");

    await expect(chat.gauge.getByTestId("token-gauge-balance")).toContainText(`${number(before + 12_345)} tokens`, { timeout: NEXT_POLL_MS });

    // A top-up: once. The same payment reference again is refused by its field, and nothing changes.
    const paymentRef = `pay_e2e_${Date.now()}`;
    await admin.page.getByTestId("action-top-up").click();
    const topUp = admin.page.getByRole("dialog", { name: "Top up" });
    await topUp.getByLabel("Tokens").fill("1000");
    await topUp.getByLabel("Payment reference").fill(paymentRef);
    await topUp.getByRole("button", { name: "Top up" }).click();
    await expect(topUp).toBeHidden();
    await expect(admin.page.getByTestId("user-balance")).toHaveText(`${number(before + 13_345)} tokens`);
    await admin.page.getByTestId("action-top-up").click();
    await topUp.getByLabel("Tokens").fill("1000");
    await topUp.getByLabel("Payment reference").fill(paymentRef);
    await topUp.getByRole("button", { name: "Top up" }).click();
    await expect(topUp.getByTestId("field-error")).toHaveText("Payment reference has already been applied");
    await expect(topUp.getByTestId("form-error")).toContainText("already been applied");
    await expect(topUp.getByLabel("Payment reference")).toHaveAttribute("aria-invalid", "true");
    await topUp.getByRole("button", { name: "Cancel" }).click();
    await expect(admin.page.getByTestId("user-balance")).toHaveText(`${number(before + 13_345)} tokens`);
  } finally {
    await admin.close();
  }
});

test("every admin screen, light and dark, desktop and phone width: screenshots kept, no serious axe violation", async ({ page, browser, user }, testInfo) => {
  test.setTimeout(240_000);
  // Someone with usage, a grant and a ledger to show.
  await new ChatPage(page).chat("[[reply_tokens:120]] something to meter");
  const seeder = await AdminPage.open(browser);
  expect(await seeder.api(`/api/admin/users/${encodeURIComponent(user.id)}/grant`, "POST", { tokens: 5_000, reason: "e2e: screenshots" })).toBe(200);
  await seeder.close();
  const someone = user.id;
  // Light at desktop width (with the axe scans) and dark at phone width cover both themes and both layouts; set
  // E2E_ALL_SCREENSHOTS=1 for all four combinations (twice the time; the CI run keeps to two).
  const desktop = { width: 1280, height: 900 };
  const phone = { width: 390, height: 844 };
  const combinations = process.env.E2E_ALL_SCREENSHOTS
    ? (["light", "dark"] as const).flatMap((colorScheme) => [desktop, phone].map((viewport) => ({ colorScheme, viewport })))
    : [
        { colorScheme: "light" as const, viewport: desktop },
        { colorScheme: "dark" as const, viewport: phone },
      ];
  for (const { colorScheme, viewport } of combinations) {
    const admin = await AdminPage.open(browser, { colorScheme, viewport });
    const suffix = `${colorScheme}-${viewport.width}`;
    try {
      for (const screen of ADMIN_SCREENS) {
        await admin.goto(screen);
        await admin.page.screenshot({ path: testInfo.outputPath(`admin-${screen}-${suffix}.png`), fullPage: true });
        if (colorScheme === "light" && viewport.width === 1280) expect([screen, await axeViolations(admin.page)]).toEqual([screen, []]);
      }
      await admin.goto(`users/${encodeURIComponent(someone)}`);
      await admin.page.screenshot({ path: testInfo.outputPath(`admin-user-${suffix}.png`), fullPage: true });
      if (colorScheme === "light" && viewport.width === 1280) expect(["user", await axeViolations(admin.page)]).toEqual(["user", []]);
      await admin.page.getByTestId("action-grant").click();
      await expect(admin.page.getByRole("dialog", { name: "Grant tokens" })).toBeVisible();
      await admin.page.screenshot({ path: testInfo.outputPath(`admin-user-grant-dialog-${suffix}.png`) });

      await admin.goto("plans");
      await admin.page.getByRole("button", { name: "Edit Pro plan" }).click();
      await expect(admin.page.getByTestId("plan-form")).toBeVisible();
      await admin.page.screenshot({ path: testInfo.outputPath(`admin-plans-editing-${suffix}.png`), fullPage: true });
      if (colorScheme === "light" && viewport.width === 1280) expect(["plan form", await axeViolations(admin.page)]).toEqual(["plan form", []]);
    } finally {
      await admin.close();
    }
  }
});
