import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * The dev sign-in's session: `<base64url JSON payload>.<base64url HMAC-SHA256>` in an http-only
 * cookie. Signed with SESSION_SECRET, so it cannot be forged or edited in the browser.
 */
export const SESSION_COOKIE = "tm_session";
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;

const payloadSchema = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().min(1).max(100),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type SessionPayload = z.infer<typeof payloadSchema>;

export function signSession(user: { id: string; name: string }, secret: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const payload: SessionPayload = { sub: user.id, name: user.name, iat, exp: iat + SESSION_TTL_SECONDS };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${mac(body, secret)}`;
}

/** The payload of a valid, unexpired token; null for anything else. */
export function verifySession(token: string | undefined, secret: string, now = Date.now()): SessionPayload | null {
  if (!token) return null;
  const [body, signature, extra] = token.split(".");
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success || parsed.data.exp * 1000 <= now) return null;
  return parsed.data;
}

function mac(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("base64url");
}
