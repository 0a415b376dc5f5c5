import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium";

export { CHROMIUM_PATH };

/**
 * Debian's Chromium, headless, launched as playwright.config.ts launches it for the e2e tests, and
 * a browser context signed in through the dev sign-in form (a new user per context).
 */

const SIGN_IN_TIMEOUT_MS = 30_000;

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export type SignedIn = { context: BrowserContext; page: Page };

/** A new context on `origin`, signed in with the dev sign-in form as `name`; its page has landed on /chat. */
export async function signedInContext(browser: Browser, origin: string, name: string): Promise<SignedIn> {
  const context = await browser.newContext({ baseURL: origin });
  try {
    const page = await context.newPage();
    await page.goto("/sign-in?next=/chat", { timeout: SIGN_IN_TIMEOUT_MS });
    await page.getByLabel("Your name").fill(name);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/chat", { timeout: SIGN_IN_TIMEOUT_MS });
    return { context, page };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** A name the dev sign-in accepts, new on every call: each measurement gets its own user. */
export function benchUserName(purpose: string): string {
  return `Bench UI ${purpose} ${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
