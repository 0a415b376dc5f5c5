import "server-only";
import { clearedSessionCookie, readSessionCookie, sessionCookieHeader } from "@/lib/auth/session-cookie";
import { getSessionSecret } from "@/lib/auth/session-secret";
import type { SessionStore } from "@/lib/auth/session-store";
import { newSessionToken, SESSION_TTL_SECONDS, sessionIdOf, signSessionToken, verifySessionToken } from "@/lib/auth/session-token";
import type { User } from "@/lib/auth/user";
import { forgetSession, recallSession, rememberSession } from "@/lib/auth/recent-sessions";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/** Starts a session in Postgres for the user; returns the `Set-Cookie` header that carries it. */
export async function startSession(sessions: SessionStore, user: User): Promise<string> {
  const token = newSessionToken();
  await sessions.create({ id: sessionIdOf(token), userId: user.id, name: user.name, ttlSeconds: SESSION_TTL_SECONDS });
  return sessionCookieHeader(signSessionToken(token, getSessionSecret()), SESSION_TTL_SECONDS);
}

/**
 * The user of a cookie value: null at once for a garbled or unsigned value (no database call),
 * else one round trip, null when the session is unknown, revoked or expired.
 */
export async function findSessionUser(sessions: SessionStore, cookieValue: string | undefined): Promise<User | null> {
  const token = verifySessionToken(cookieValue, getSessionSecret());
  if (!token) return null;
  const id = sessionIdOf(token);
  const failOpen = getEnv().METERING_FAIL_MODE === "open";
  let session;
  try {
    session = await sessions.find(id);
  } catch (error) {
    // Fail-open: while the database is unreachable, a session verified here lately still signs in.
    const recalled = failOpen && error instanceof AppError && error.code === "unavailable" ? recallSession(id) : null;
    if (recalled) return recalled;
    throw error;
  }
  if (!session) {
    forgetSession(id);
    return null;
  }
  const user = { id: session.user_id, name: session.name };
  if (failOpen) rememberSession(id, user, new Date(session.expires_at));
  return user;
}

/** Ends the cookie's session on the server, for every instance. Does nothing for a garbled cookie. */
export async function endSession(sessions: SessionStore, cookieValue: string | undefined): Promise<void> {
  const token = verifySessionToken(cookieValue, getSessionSecret());
  if (token) await sessions.revoke(sessionIdOf(token));
}

/** Sign-out: revokes the request's session in Postgres; returns the `Set-Cookie` header that clears the cookie. */
export async function signOut(request: Request, sessions: SessionStore): Promise<string> {
  await endSession(sessions, await readSessionCookie(request));
  return clearedSessionCookie();
}
