import "server-only";
import { hasSessionCookie, readSessionCookie } from "@/lib/auth/session-cookie";
import type { SessionStore } from "@/lib/auth/session-store";
import { authProvider } from "@/lib/auth/provider";
import { findRequestSession, findSessionUser, type SignedIn } from "@/lib/auth/sessions";
import type { User } from "@/lib/auth/user";
import { AppError } from "@/lib/errors";

/**
 * The one function the app calls to learn who is signed in, with the session store (from the store
 * registry: lib/api/page-user.ts for pages; routes go through requireSignedIn below). Server
 * components pass no Request and it reads the cookie store. The session is checked against Postgres every time (one round trip), so
 * a revoked or expired session is signed out on every instance.
 * With Clerk configured, the user is the one clerkMiddleware verified (proxy.ts); every route and page
 * still asks here, so a request that skipped the proxy is signed out all the same.
 */
export async function getUser(request: Request | undefined, sessions: SessionStore): Promise<User | null> {
  if (authProvider() === "clerk") return (await import("@/lib/auth/clerk-user")).getClerkUser();
  return findSessionUser(sessions, await readSessionCookie(request));
}

/**
 * For route handlers (withUser): the signed-in user, or 401 `unauthorized`. The route runs its work
 * through `run`, which with the dev sign-in may check the session in the work's first database call
 * instead of a round trip of its own (lib/auth/sessions.ts findRequestSession).
 */
export async function requireSignedIn(request: Request, sessions: SessionStore): Promise<SignedIn> {
  // With Clerk, an API request carrying the dev sign-in's cookie skipped proxy.ts (its matcher): Clerk
  // never verified it, and any x-clerk-* headers it has are the client's own. Signed out, before auth()
  // reads them. (The next page load clears such a leftover cookie.)
  const signedIn =
    authProvider() === "clerk"
      ? hasSessionCookie(request)
        ? null
        : clerkSignedIn(await getUser(request, sessions))
      : await findRequestSession(sessions, await readSessionCookie(request));
  if (!signedIn) throw new AppError("unauthorized", "Sign in to continue.");
  return signedIn;
}

/** Clerk's session was verified without the database (clerkMiddleware): nothing to check in the work. */
function clerkSignedIn(user: User | null): SignedIn | null {
  return user ? { user, run: (work) => work() } : null;
}
