import { expect, type Locator, type Page } from "@playwright/test";

export class HomePage {
  readonly databaseStatus: Locator;

  constructor(readonly page: Page) {
    this.databaseStatus = page.getByTestId("database-status");
  }

  async goto() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { level: 1, name: "Tokenmeter" })).toBeVisible();
  }
}
