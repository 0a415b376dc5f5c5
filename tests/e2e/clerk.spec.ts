import { generateKeyPairSync, randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { clerkSessionToken } from "./clerk-tokens";
import { E2E_CLERK_APP_PORT } from "./e2e-env";

/**
 * Clerk, offline: the run's second server is the same build with Clerk's keys set (test keys; see
 * playwright.config.ts). Session tokens signed with the test key go through the real clerkMiddleware
 * (proxy.ts) and real routes and pages. What cannot be tested here: Clerk's browser components
 * (<SignIn/>, <UserButton/>) load clerk-js from Clerk's servers, which this machine cannot reach.
 */
const origin = `http://127.0.0.1:${E2E_CLERK_APP_PORT}`;
test.use({ baseURL: origin });

const otherKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;

const newUserId = () => `user_e2e_clerk_${randomUUID().replaceAll("-", "").slice(0, 16)}`;

async function getStatus(request: APIRequestContext, token: string | null) {
  return request.get("/api/tokens/current", { headers: token ? { Authorization: `Bearer ${token}` } : {}, maxRedirects: 0 });
}

test.describe("Clerk sign-in (offline, test keys)", () => {
  test("an API request that skips the proxy (it carries a dev sign-in cookie) is signed out, whatever x-clerk-* headers it brings", async ({ request }) => {
    const token = clerkSessionToken({ sub: newUserId(), azp: origin });
    const spoofed = { "x-clerk-auth-status": "signed-in", "x-clerk-auth-token": token, "x-clerk-auth-reason": "session-token-and-uat-present" };
    const withDevCookie: Record<string, string>[] = [{ Authorization: `Bearer ${token}`, cookie: "tm_session=left-over" }, { cookie: "tm_session=left-over", ...spoofed }];
    for (const headers of withDevCookie) {
      const response = await request.get("/api/tokens/current", { headers, maxRedirects: 0 });
      expect(response.status()).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    // Without that cookie the proxy runs, and clerkMiddleware's verdict stands over the client's headers.
    expect((await request.get("/api/tokens/current", { headers: spoofed, maxRedirects: 0 })).status()).toBe(401);
    expect((await getStatus(request, token)).status()).toBe(200);
  });

  test("a valid session token is the user: their status, and a metered chat", async ({ request }) => {
    const sub = newUserId();
    const token = clerkSessionToken({ sub, azp: origin });
    const before = await getStatus(request, token);
    expect(before.status()).toBe(200);
    expect(await before.json()).toMatchObject({ used: 0, plan: "free" });

    const models = (await (await request.get("/api/models", { headers: { Authorization: `Bearer ${token}` } })).json()) as { models: { id: string }[] };
    const chat = await request.post("/api/chat", {
      headers: { Authorization: `Bearer ${token}` },
      data: { model: models.models[0]!.id, messages: [{ role: "user", content: "Hello [[reply_tokens:12]]" }] },
    });
    expect(chat.status()).toBe(200);
    const events = (await chat.text()).trim().split("\n").map((line) => JSON.parse(line) as { type: string; usage?: { totalTokens: number } });
    const done = events.find((event) => event.type === "done");
    expect(done?.usage?.totalTokens).toBeGreaterThan(12);

    const after = await getStatus(request, token);
    expect((await after.json()).used).toBe(done!.usage!.totalTokens);
  });

  for (const [name, token, reason] of [
    ["a wrong signature", () => clerkSessionToken({ sub: newUserId(), azp: origin, privateKey: otherKey }), "token-invalid-signature"],
    ["an expired token", () => clerkSessionToken({ sub: newUserId(), azp: origin, expiresIn: -120 }), /expired/],
    ["a token for another site (azp)", () => clerkSessionToken({ sub: newUserId(), azp: "https://evil.example" }), "token-invalid-authorized-parties"],
    ["no token", () => null, /./],
  ] as const) {
    test(`${name} is 401 on an API route, not a redirect`, async ({ request }) => {
      const response = await getStatus(request, token());
      expect(response.status()).toBe(401);
      expect(await response.json()).toEqual({ error: { code: "unauthorized", message: "Sign in to continue." } });
      expect(response.headers()["x-clerk-auth-status"]).toBe("signed-out");
      expect(response.headers()["x-clerk-auth-reason"]).toMatch(reason);
    });
  }

  test("a refused token changes nothing: the chat route answers 401 before metering", async ({ request }) => {
    const sub = newUserId();
    const forged = clerkSessionToken({ sub, azp: origin, privateKey: otherKey });
    const chat = await request.post("/api/chat", {
      headers: { Authorization: `Bearer ${forged}` },
      data: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] },
    });
    expect(chat.status()).toBe(401);
    const status = await getStatus(request, clerkSessionToken({ sub, azp: origin }));
    expect((await status.json()).used).toBe(0);
  });

  test("pages: signed in with Clerk's cookies; signed out, sent to sign-in", async ({ request }) => {
    const token = clerkSessionToken({ sub: newUserId(), azp: origin });
    const clientUat = String(Math.floor(Date.now() / 1000) - 60); // not after the token's iat
    const page = await request.get("/usage", {
      headers: { Accept: "text/html", "Sec-Fetch-Dest": "document", Cookie: `__session=${token}; __client_uat=${clientUat}; __clerk_db_jwt=e2e` },
      maxRedirects: 0,
    });
    expect(page.status()).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="clerk-user-button"');
    expect(html).toContain("Usage and history");
    expect(page.headers()["content-security-policy"]).toContain("https://img.clerk.com");

    const signedOut = await request.get("/usage", { headers: { Accept: "text/html", "Sec-Fetch-Dest": "document", Cookie: "__clerk_db_jwt=e2e" }, maxRedirects: 0 });
    expect(signedOut.status()).toBe(307);
    expect(signedOut.headers().location).toBe("/sign-in?next=%2Fusage");
  });

  test("the local dev sign-in is off", async ({ request }) => {
    const response = await request.post("/api/auth/sign-in", { data: { name: "Mallory" }, headers: { Origin: origin } });
    expect(response.status()).toBe(404);
    expect((await response.json()).error.code).toBe("not_found");
  });
});
