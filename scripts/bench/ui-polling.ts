import type { Browser } from "@playwright/test";
import { benchUserName, signedInContext, sleep } from "./ui-browser";

/**
 * Polling of GET /api/tokens/current by one /chat tab: requests counted (Playwright's page
 * "request" event) over `visibleMs` from the first one (made by the page's first load; a slow load
 * would otherwise eat into the window), then over `hiddenMs` after the page is made hidden. Headless Chromium keeps every tab "visible" (another tab brought to the
 * front changes nothing; `secondTabHidesFirst` checks it on each run), so the page is hidden by
 * overriding document.visibilityState and document.hidden and dispatching `visibilitychange`, which
 * is what SWR reads. The windows run on their own timers once started, so other measurements can
 * run meanwhile without stretching them; finish() waits for their end.
 */

export const POLL_TARGET = "/api/tokens/current";
export const POLL_INTERVAL_MS = 30_000;
const FIRST_REQUEST_TIMEOUT_MS = 15_000;

export type PollingResult = {
  visibleMs: number;
  hiddenMs: number;
  /** Request times in ms from the first request (visible) and from hiding (hidden). */
  visibleAt: number[];
  hiddenAt: number[];
  /** From the start of the page load to its first request. */
  firstRequestMs: number;
  /** Expected while visible: the first load plus one per full interval after it. */
  expectedVisible: number;
  hideMethod: string;
  /** What document.visibilityState said after hiding (the override took effect: "hidden"). */
  stateWhenHidden: string;
  /** Whether bringing a second tab of the same context to the front hides the first in this browser. */
  secondTabHidesFirst: boolean;
};

export type PollingWatch = { finish: () => Promise<PollingResult> };

const HIDE = String.raw`(() => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  document.dispatchEvent(new Event("visibilitychange"));
  return document.visibilityState;
})()`;

export async function startPollingWatch(browser: Browser, origin: string, windows: { visibleMs: number; hiddenMs: number }): Promise<PollingWatch> {
  const { context, page: signInPage } = await signedInContext(browser, origin, benchUserName("poll"));
  try {
    await signInPage.close();
    const page = await context.newPage();
    const requests: number[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === POLL_TARGET) requests.push(performance.now());
    });
    const loadStart = performance.now();
    await page.goto("/chat", { waitUntil: "load" });
    const deadline = performance.now() + FIRST_REQUEST_TIMEOUT_MS;
    while (requests.length === 0 && performance.now() < deadline) await sleep(50);
    if (requests.length === 0) throw new Error(`/chat made no ${POLL_TARGET} request within ${FIRST_REQUEST_TIMEOUT_MS / 1000} s of loading`);
    const visibleStart = requests[0]!;
    const windowsDone = (async () => {
      await sleep(visibleStart + windows.visibleMs - performance.now());
      const hiddenStart = performance.now();
      const stateWhenHidden = String(await page.evaluate(HIDE));
      await sleep(hiddenStart + windows.hiddenMs - performance.now());
      const hiddenEnd = performance.now();
      const visibleMs = hiddenStart - visibleStart;
      return {
        visibleMs,
        hiddenMs: hiddenEnd - hiddenStart,
        visibleAt: requests.filter((at) => at < hiddenStart).map((at) => at - visibleStart),
        hiddenAt: requests.filter((at) => at >= hiddenStart && at < hiddenEnd).map((at) => at - hiddenStart),
        firstRequestMs: visibleStart - loadStart,
        expectedVisible: 1 + Math.floor(visibleMs / POLL_INTERVAL_MS),
        hideMethod: "document.visibilityState/hidden overridden, visibilitychange dispatched",
        stateWhenHidden,
      };
    })();
    windowsDone.catch(() => {}); // awaited (and reported) by finish()
    return {
      finish: async () => {
        try {
          return { ...(await windowsDone), secondTabHidesFirst: await secondTabHidesFirst(browser) };
        } finally {
          await context.close();
        }
      },
    };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** Two blank tabs in one context: is the first hidden once the second is brought to the front? */
async function secondTabHidesFirst(browser: Browser): Promise<boolean> {
  const context = await browser.newContext();
  try {
    const first = await context.newPage();
    const second = await context.newPage();
    await second.bringToFront();
    await sleep(200);
    return (await first.evaluate("document.visibilityState")) === "hidden";
  } finally {
    await context.close();
  }
}
