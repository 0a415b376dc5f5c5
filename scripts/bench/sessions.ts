import type pg from "pg";
import { createSessionStore } from "@/lib/auth/session-store";
import { newSessionToken, SESSION_COOKIE, SESSION_TTL_SECONDS, sessionIdOf, signSessionToken } from "@/lib/auth/session-token";
import { createPgRpcClient } from "@/lib/db/pg-rpc";

/** A real session (public.sessions) per user, as sign-in starts one; returns each one's `tm_session=…` cookie. */
export async function benchSessionCookies(pool: pg.Pool, users: { id: string; name: string }[], secret: string): Promise<string[]> {
  const sessions = createSessionStore(createPgRpcClient(pool));
  const cookies: string[] = [];
  for (const user of users) {
    const token = newSessionToken();
    await sessions.create({ id: sessionIdOf(token), userId: user.id, name: user.name, ttlSeconds: SESSION_TTL_SECONDS });
    cookies.push(`${SESSION_COOKIE}=${signSessionToken(token, secret)}`);
  }
  return cookies;
}
