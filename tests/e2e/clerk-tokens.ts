import { createSign, randomUUID } from "node:crypto";
import { TEST_CLERK_HOST, TEST_CLERK_PRIVATE_KEY } from "./clerk-test-keys";

/**
 * Clerk session tokens (RS256 JWTs of the shape Clerk issues, v2) signed with the test key, for the
 * offline Clerk tests. Every claim can be changed to make a token the app must refuse.
 */
export type TokenOptions = {
  sub: string;
  /** The site the token was issued for (checked against APP_URL's origin). */
  azp: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  privateKey?: string;
  claims?: Record<string, unknown>;
};

const base64url = (value: Buffer | string) => Buffer.from(value).toString("base64url");

export function clerkSessionToken({ sub, azp, expiresIn = 300, privateKey = TEST_CLERK_PRIVATE_KEY, claims = {} }: TokenOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = expiresIn > 0 ? now - 5 : now + expiresIn - 60;
  const header = { alg: "RS256", typ: "JWT", kid: "ins_test" };
  const payload = {
    sub,
    azp,
    sid: `sess_${randomUUID().replaceAll("-", "")}`,
    iss: `https://${TEST_CLERK_HOST}`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: now + expiresIn,
    v: 2,
    role: "authenticated",
    ...claims,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createSign("RSA-SHA256").update(input).sign(privateKey);
  return `${input}.${base64url(signature)}`;
}
