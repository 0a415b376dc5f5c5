import { describe, expect, it } from "vitest";
import { checkSameOrigin } from "@/lib/api/same-origin";

const APP_URL = "https://chat.example.com";

function check(headers: Record<string, string>, options: { method?: string; url?: string; cookie?: boolean } = {}) {
  return checkSameOrigin({
    method: options.method ?? "POST",
    url: options.url ?? "http://localhost:3000/api/chat",
    headers: new Headers(headers),
    appUrl: APP_URL,
    hasSessionCookie: options.cookie ?? true,
  }).allowed;
}

describe("checkSameOrigin", () => {
  it.each(["GET", "HEAD", "OPTIONS"])("lets %s through whatever its headers say", (method) => {
    expect(check({ origin: "https://evil.example", "sec-fetch-site": "cross-site" }, { method })).toBe(true);
  });

  it.each(["POST", "PUT", "PATCH", "DELETE", "post"])("refuses a cross-site %s and allows the app's own origin", (method) => {
    expect(check({ origin: "https://evil.example" }, { method })).toBe(false);
    expect(check({ origin: APP_URL }, { method })).toBe(true);
  });

  it("accepts the request's own host (the local dev server, 127.0.0.1 or localhost) and nothing merely similar", () => {
    expect(check({ origin: "http://localhost:3000" })).toBe(true);
    expect(check({ origin: "http://127.0.0.1:3210", host: "127.0.0.1:3210" }, { url: "http://localhost:3210/api/chat" })).toBe(true);
    expect(check({ origin: "http://localhost:3001" })).toBe(false);
    expect(check({ origin: "https://chat.example.com.evil.example" })).toBe(false);
    expect(check({ origin: "http://chat.example.com" })).toBe(false); // APP_URL is https: another origin
    expect(check({ origin: "not a url" })).toBe(false);
  });

  it("trusts Origin over the other headers", () => {
    expect(check({ origin: "https://evil.example", "sec-fetch-site": "same-origin", referer: `${APP_URL}/chat` })).toBe(false);
  });

  it("without Origin (or with Origin: null) falls back to Sec-Fetch-Site", () => {
    expect(check({ "sec-fetch-site": "same-origin" })).toBe(true);
    expect(check({ "sec-fetch-site": "none" })).toBe(true);
    expect(check({ "sec-fetch-site": "same-site" })).toBe(false);
    expect(check({ "sec-fetch-site": "cross-site" })).toBe(false);
    expect(check({ origin: "null", "sec-fetch-site": "cross-site" })).toBe(false);
    expect(check({ origin: "null", "sec-fetch-site": "same-origin" })).toBe(true);
  });

  it("then to Referer", () => {
    expect(check({ referer: `${APP_URL}/chat/1` })).toBe(true);
    expect(check({ referer: "http://localhost:3000/chat" })).toBe(true);
    expect(check({ referer: "https://evil.example/page" })).toBe(false);
  });

  it("with none of them: a client without a session cookie (curl, a script) is allowed, a cookie-authenticated one is not", () => {
    expect(check({}, { cookie: false })).toBe(true);
    expect(check({}, { cookie: true })).toBe(false);
    expect(check({ origin: "null" }, { cookie: false })).toBe(false);
  });
});
