import { expect, type Browser, type BrowserContextOptions, type Locator, type Page } from "@playwright/test";
import { signIn } from "../fixtures";

/** The admin listed in ADMIN_USER_IDS for the e2e run (playwright.config.ts): dev sign-in "E2E Admin" is dev_e2e_admin. */
export const ADMIN_NAME = "E2E Admin";

export const ADMIN_SCREENS = ["plans", "models", "users", "settings", "audit", "analytics"] as const;
export type AdminScreen = (typeof ADMIN_SCREENS)[number];

/** The admin console as an admin sees it, in a browser context of its own. */
export class AdminPage {
  constructor(readonly page: Page) {}

  /** A new context (light or dark, any viewport) signed in as the admin. */
  static async open(browser: Browser, options: BrowserContextOptions = {}): Promise<AdminPage> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await signIn(page, ADMIN_NAME);
    return new AdminPage(page);
  }

  async close() {
    await this.page.context().close();
  }

  async goto(screen: AdminScreen | `users/${string}`) {
    await this.page.goto(`/admin/${screen}`);
    await this.settled();
  }

  /** Nothing is loading any more (every view shows its data, empty or error state). */
  async settled() {
    await expect(this.page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
    await expect(this.page.getByTestId("loading")).toHaveCount(0);
  }

  toast(text: string | RegExp): Locator {
    return this.page.locator("[data-sonner-toast]").filter({ hasText: text });
  }

  planRow(id: string): Locator {
    return this.page.getByTestId(`plan-row-${id}`);
  }

  /** The users screen searched for `userId`, then that user's page opened from its row. */
  async openUser(userId: string) {
    await this.goto("users");
    await this.page.getByTestId("user-search").fill(userId);
    const row = this.page.getByTestId("user-row").filter({ has: this.page.getByRole("link", { name: userId, exact: true }) });
    await expect(row).toHaveCount(1);
    await row.getByRole("link", { name: userId, exact: true }).click();
    await expect(this.page).toHaveURL((url) => url.pathname === `/admin/users/${encodeURIComponent(userId)}`);
    await this.settled();
  }

  async balance(): Promise<number> {
    return Number(await this.page.getByTestId("user-balance").getAttribute("data-value"));
  }

  /** A same-origin call of the admin API from the admin's page (as the console makes it). */
  async api(path: string, method: string, json: unknown): Promise<number> {
    return this.page.evaluate(
      async ({ path, method, json }) => (await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(json) })).status,
      { path, method, json },
    );
  }
}
