import { describe, expect, it } from "vitest";
import { SESSION_TTL_SECONDS, signSession, verifySession } from "@/lib/auth/session-token";

const secret = "unit-test-secret-0123456789abcdef0123";
const user = { id: "dev_ada", name: "Ada" };

describe("session tokens", () => {
  it("round-trips a signed session", () => {
    const token = signSession(user, secret, 1_000_000);
    expect(verifySession(token, secret, 1_000_000 + 5_000)).toMatchObject({ sub: "dev_ada", name: "Ada" });
  });

  it("refuses another secret, an edited payload, an expired token and garbage", () => {
    const token = signSession(user, secret, 1_000_000);
    expect(verifySession(token, "another-secret-0123456789abcdef0123", 1_000_000)).toBeNull();
    const [, signature] = token.split(".");
    const forged = `${Buffer.from(JSON.stringify({ sub: "dev_admin", name: "Eve", iat: 1000, exp: 9_999_999_999 })).toString("base64url")}.${signature}`;
    expect(verifySession(forged, secret, 1_000_000)).toBeNull();
    expect(verifySession(token, secret, 1_000_000 + SESSION_TTL_SECONDS * 1000)).toBeNull();
    for (const junk of [undefined, "", "abc", "a.b.c", ".", `${token}.x`]) expect(verifySession(junk, secret)).toBeNull();
  });
});
