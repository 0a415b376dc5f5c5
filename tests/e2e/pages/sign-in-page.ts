import { expect, type Page } from "@playwright/test";

export class SignInPage {
  constructor(readonly page: Page) {}

  /** Signs in; a signed-in user lands in the chat. */
  async signIn(name: string) {
    await this.page.goto("/sign-in");
    await this.page.getByLabel("Your name").fill(name);
    await this.page.getByRole("button", { name: "Sign in" }).click();
    await expect(this.page).toHaveURL((url) => url.pathname === "/chat");
  }
}
