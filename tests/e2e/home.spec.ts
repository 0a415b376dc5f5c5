import { expect, test } from "@playwright/test";
import { axeViolations } from "./fixtures";
import { HomePage } from "./pages/home-page";

test("signed out, the home page explains the product and links to sign-in", async ({ page }, testInfo) => {
  const home = new HomePage(page);
  await home.goto();
  await expect(page.getByText("Every token counted")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("home.png"), fullPage: true });
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole("link", { name: /Sign in/ }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fchat|\/sign-in\?next=\/chat/);
  await expect(page.getByLabel("Your name")).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath("sign-in.png") });
});

test("signed-out visitors of the app are sent to sign-in and come back", async ({ page }) => {
  await page.goto("/usage");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fusage/);
  await page.getByLabel("Your name").fill(`E2E back ${Date.now() % 1_000_000}`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/usage");
});

test("GET /api/health reports every part healthy", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ status: "ok", database: "ok", llm: "ok" });
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(response.headers()["x-request-id"]).toBeTruthy();
});

test("API answers carry their security headers and a request id, with or without the dev sign-in's cookie (which skips proxy.ts)", async ({ request }) => {
  for (const headers of [{}, { cookie: "tm_session=not-a-session" }] as Record<string, string>[]) {
    const response = await request.get("/api/tokens/current", { headers });
    expect(response.status()).toBe(401);
    const sent = response.headers();
    expect(sent["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent["x-content-type-options"]).toBe("nosniff");
    expect(sent["x-frame-options"]).toBe("DENY");
    expect(sent["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  }
  const echoed = await request.get("/api/health", { headers: { "x-request-id": "lb-1234.abc" } });
  expect(echoed.headers()["x-request-id"]).toBe("lb-1234.abc");
});
