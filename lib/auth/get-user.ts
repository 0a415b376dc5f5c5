import "server-only";
import { readSessionCookie } from "@/lib/auth/session-cookie";
import type { SessionStore } from "@/lib/auth/session-store";
import { authProvider } from "@/lib/auth/provider";
import { findSessionUser } from "@/lib/auth/sessions";
import type { User } from "@/lib/auth/user";
import { AppError } from "@/lib/errors";

/**
 * The one function the app calls to learn who is signed in, with the session store (from the store
 * registry: withUser passes it for routes, lib/api/page-user.ts for pages). Route handlers pass their
 * Request; server components pass none and it reads the cookie store. The session is checked against Postgres every time (one round trip), so
 * a revoked or expired session is signed out on every instance.
 * With Clerk configured, the user is the one clerkMiddleware verified (proxy.ts); every route and page
 * still asks here, so a request that skipped the proxy is signed out all the same.
 */
export async function getUser(request: Request | undefined, sessions: SessionStore): Promise<User | null> {
  if (authProvider() === "clerk") return (await import("@/lib/auth/clerk-user")).getClerkUser();
  return findSessionUser(sessions, await readSessionCookie(request));
}

export async function requireUser(request: Request | undefined, sessions: SessionStore): Promise<User> {
  const user = await getUser(request, sessions);
  if (!user) throw new AppError("unauthorized", "Sign in to continue.");
  return user;
}
