import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newSessionToken, sessionIdOf, signSessionToken, verifySessionToken } from "@/lib/auth/session-token";

const secret = "unit-test-secret-0123456789abcdef0123";

describe("session tokens", () => {
  it("are 256 random bits, base64url, never twice the same", () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newSessionToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, "base64url")).toHaveLength(32);
  });

  it("round-trip through the signed cookie value", () => {
    const token = newSessionToken();
    expect(verifySessionToken(signSessionToken(token, secret), secret)).toBe(token);
  });

  it("are stored under their SHA-256 (hex), never as themselves", () => {
    const token = newSessionToken();
    expect(sessionIdOf(token)).toBe(createHash("sha256").update(token).digest("hex"));
    expect(sessionIdOf(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuse another secret, another token under a signature, and garbage", () => {
    const token = newSessionToken();
    const value = signSessionToken(token, secret);
    expect(verifySessionToken(value, "another-secret-0123456789abcdef0123")).toBeNull();
    const [, signature] = value.split(".");
    expect(verifySessionToken(`${newSessionToken()}.${signature}`, secret)).toBeNull();
    // The old stateless cookie format (a JSON payload) is no session.
    const old = Buffer.from(JSON.stringify({ sub: "dev_ada", name: "Ada", iat: 1, exp: 9_999_999_999 })).toString("base64url");
    expect(verifySessionToken(signSessionToken(old, secret), secret)).toBeNull();
    for (const junk of [undefined, "", "abc", "a.b.c", ".", `${value}.x`, `${token}.`, `.${signature}`]) expect(verifySessionToken(junk, secret)).toBeNull();
  });
});
