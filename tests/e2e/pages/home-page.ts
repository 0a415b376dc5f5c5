import { expect, type Page } from "@playwright/test";

export class HomePage {
  constructor(readonly page: Page) {}

  async goto() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { level: 1, name: /exact token metering/ })).toBeVisible();
  }
}
