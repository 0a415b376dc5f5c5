import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The session cookie: `<token>.<signature>`. The token is 32 random bytes (256 bits, base64url);
 * the signature is its HMAC-SHA256 under SESSION_SECRET, so a garbled or invented cookie is
 * refused without a database call. The session itself lives in Postgres (public.sessions) under
 * the token's SHA-256, `sessionIdOf(token)`: the database never holds a usable token.
 */
export const SESSION_COOKIE = "tm_session";
/** Fixed lifetime from sign-in (no sliding renewal); sign-out or revocation ends it earlier. */
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url without padding

export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The session's id in the database: the token's SHA-256, 64 lowercase hex digits. */
export function sessionIdOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The cookie value for a token. */
export function signSessionToken(token: string, secret: string): string {
  return `${token}.${mac(token, secret)}`;
}

/** The token of a well-formed cookie value signed with this secret; null for anything else. */
export function verifySessionToken(value: string | undefined, secret: string): string | null {
  if (!value) return null;
  const [token, signature, extra] = value.split(".");
  if (!token || !signature || extra !== undefined || !TOKEN_PATTERN.test(token)) return null;
  const expected = Buffer.from(mac(token, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return token;
}

function mac(token: string, secret: string): string {
  return createHmac("sha256", secret).update(token).digest("base64url");
}
