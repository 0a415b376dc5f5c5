import "server-only";
import { clearedSessionCookie, readSessionCookie, sessionCookieHeader } from "@/lib/auth/session-cookie";
import { getSessionSecret } from "@/lib/auth/session-secret";
import type { SessionStore } from "@/lib/auth/session-store";
import { newSessionToken, SESSION_TTL_SECONDS, sessionIdOf, signSessionToken, verifySessionToken } from "@/lib/auth/session-token";
import type { User } from "@/lib/auth/user";
import { forgetSession, knownSession, recallSession, rememberSession } from "@/lib/auth/recent-sessions";
import { requestGuard, withRequestGuard } from "@/lib/db/request-guard";
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
  return token ? findSessionById(sessions, sessionIdOf(token)) : null;
}

/** A signed-in request: its user, and how to run its work so that the session is checked (SignedIn.run). */
export type SignedIn = { user: User; run: <T>(work: () => Promise<T>) => Promise<T> };

/**
 * For API requests: the cookie's session, checked in Postgres once per request either way. A session
 * this instance has found valid before (its owner is known) is checked by the request's first
 * database call, in the same statement or transaction (public.require_session through
 * lib/db/request-guard.ts), so a revoked or expired one changes nothing and ends in 401; if the
 * work makes no database call, or fails before one passed, the check runs on its own before the
 * response goes out. Otherwise, and always with METERING_FAIL_MODE=open (whose outage recall needs
 * the check up front), the session is looked up first, as for pages. Null for a garbled, unknown,
 * revoked or expired session.
 */
export async function findRequestSession(sessions: SessionStore, cookieValue: string | undefined): Promise<SignedIn | null> {
  const token = verifySessionToken(cookieValue, getSessionSecret());
  if (!token) return null;
  const id = sessionIdOf(token);
  const known = getEnv().METERING_FAIL_MODE === "closed" ? knownSession(id) : null;
  if (!known) {
    const user = await findSessionById(sessions, id);
    return user ? { user, run: (work) => work() } : null;
  }
  const guard = requestGuard("require_session", { p_id: id, p_user_id: known.id });
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await withRequestGuard(guard, async () => {
        const outcome = await work().then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        // No call passed the check (none was made, or the work failed before one did, a 400 say):
        // check now, so an ended session is told 401 whatever the work did. Not when the answer is
        // already 401, nor when the database is out of reach (the 503 stands; asking again would
        // only wait out a second timeout).
        const settled = !outcome.ok && hasCode(outcome.error, "unauthorized", "unavailable");
        if (!guard.passed && !settled) await sessions.require(id, known.id);
        if (!outcome.ok) throw outcome.error;
        return outcome.value;
      });
    } catch (error) {
      if (!guard.passed && hasCode(error, "unauthorized")) forgetSession(id);
      throw error;
    }
  };
  return { user: known, run };
}

function hasCode(error: unknown, ...codes: AppError["code"][]): boolean {
  return error instanceof AppError && codes.includes(error.code);
}

async function findSessionById(sessions: SessionStore, id: string): Promise<User | null> {
  const failOpen = getEnv().METERING_FAIL_MODE === "open";
  let session;
  try {
    session = await sessions.find(id);
  } catch (error) {
    // Fail-open: while the database is unreachable, a session verified here lately still signs in.
    const recalled = failOpen && hasCode(error, "unavailable") ? recallSession(id) : null;
    if (recalled) return recalled;
    throw error;
  }
  if (!session) {
    forgetSession(id);
    return null;
  }
  const user = { id: session.user_id, name: session.name };
  rememberSession(id, user, new Date(session.expires_at));
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
