import { expect, test } from "@playwright/test";
import { SignInPage } from "./pages/sign-in-page";

type Status = { used: number; held: number; cap: number; remaining: number };

test.describe("metered chat through the built app", () => {
  test("a signed-in user's chat streams, and the allowance rises by exactly the charged tokens", async ({ page }) => {
    await new SignInPage(page).signIn(`E2E ${Date.now()}`);
    const before = (await (await page.request.get("/api/tokens/current")).json()) as Status;
    expect(before).toMatchObject({ used: 0, held: 0, cap: 40_000 });

    // page.request shares the browser's cookies but, unlike the browser's fetch, sends no Origin: send the
    // page's own, as Chromium does, since the app refuses a cookie-authenticated write that does not say where it comes from.
    const response = await page.request.post("/api/chat", {
      headers: { origin: new URL(page.url()).origin },
      data: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello from the browser [[reply_tokens:50]]" }] },
    });
    expect(response.status()).toBe(200);
    const events = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.filter((e) => e.type === "delta").length).toBeGreaterThan(1);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: "done", outcome: "ok" });

    const after = (await (await page.request.get("/api/tokens/current")).json()) as Status;
    expect(after.used).toBe(done.usage.totalTokens);
    expect(after.held).toBe(0);
  });

  test("a browser that aborts mid-stream is charged only for what was streamed, and holds nothing", async ({ page }) => {
    await new SignInPage(page).signIn(`E2E abort ${Date.now()}`);
    const result = await page.evaluate(async () => {
      const controller = new AbortController();
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Long story [[reply_tokens:8000]]" }] }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes('"delta"')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      return { status: response.status };
    });
    expect(result.status).toBe(200);
    await expect
      .poll(async () => ((await (await page.request.get("/api/tokens/current")).json()) as Status).held, { timeout: 10_000 })
      .toBe(0);
    const after = (await (await page.request.get("/api/tokens/current")).json()) as Status;
    expect(after.used).toBeGreaterThan(0);
    // The full reply would be about 8,000 tokens (it streams for about 20 s): far fewer (here: under half,
    // which leaves a busy machine seconds to pass the abort on) means the abort reached the server
    // through Next and the request was settled with what had been streamed.
    expect(after.used).toBeLessThan(4_000);
  });
});
