import { expect, type Locator, type Page } from "@playwright/test";

/** The chat pane and the sidebar's gauge (the visible one: at phone width the drawer holds another). */
export class ChatPage {
  readonly composer: Locator;
  readonly messages: Locator;
  readonly gauge: Locator;
  readonly gaugeBar: Locator;
  readonly stop: Locator;
  readonly quotaWall: Locator;

  constructor(readonly page: Page) {
    this.composer = page.getByTestId("composer");
    this.messages = page.getByTestId("message");
    this.gauge = page.getByTestId("token-gauge").filter({ visible: true });
    this.gaugeBar = this.gauge.getByRole("progressbar");
    this.stop = page.getByTestId("stop");
    this.quotaWall = page.getByTestId("quota-wall");
  }

  lastReply(): Locator {
    return this.page.locator('[data-testid="message"][data-role="assistant"]').last();
  }

  /** A fresh conversation (its prompt carries no earlier turns). */
  async newChat() {
    await this.page.getByTestId("new-chat").filter({ visible: true }).click();
    await expect(this.page).toHaveURL((url) => url.pathname === "/chat");
    await expect(this.page.getByTestId("empty-chat")).toBeVisible();
  }

  /**
   * Types and sends. Waits until Send is enabled first: until the page has hydrated and the models and
   * the allowance have loaded, Enter does nothing (on a busy machine that can take a few seconds).
   */
  async send(text: string) {
    await this.composer.fill(text);
    await expect(this.page.getByTestId("send")).toBeEnabled({ timeout: 20_000 });
    await this.composer.press("Enter");
  }

  /** Sends and waits until the reply is finished (its token line is shown). */
  async chat(text: string) {
    const before = await this.page.locator('[data-testid="message"][data-role="assistant"]').count();
    await this.send(text);
    await expect(this.page.locator('[data-testid="message"][data-role="assistant"]')).toHaveCount(before + 1);
    await expect(this.lastReply()).toHaveAttribute("data-state", "done", { timeout: 20_000 });
    await expect(this.lastReply().getByTestId("message-tokens")).toBeVisible();
  }

  async gaugeUsed(): Promise<number> {
    return Number(await this.gaugeBar.getAttribute("aria-valuenow"));
  }

  async tokenLine(reply: Locator = this.lastReply()) {
    const read = async (id: string) => Number((await reply.getByTestId(id).innerText()).replace(/[^\d]/g, ""));
    return { input: await read("message-input-tokens"), output: await read("message-output-tokens"), total: await read("message-total-tokens") };
  }
}
