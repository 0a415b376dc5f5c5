import { expect, test } from "@playwright/test";
import { HomePage } from "./pages/home-page";

test("the home page shows a connected database", async ({ page }, testInfo) => {
  const home = new HomePage(page);
  await home.goto();
  await expect(home.databaseStatus).toContainText("connected");
  await expect(home.databaseStatus).toContainText(/Round trip\s*\d+ ms/);
  await page.screenshot({ path: testInfo.outputPath("home.png"), fullPage: true });
});

test("GET /api/health reports every part healthy", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ status: "ok", database: "ok", llm: "ok" });
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(response.headers()["x-request-id"]).toBeTruthy();
});
