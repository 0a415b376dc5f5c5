import "server-only";
import { readSessionCookie } from "@/lib/auth/session-cookie";
import type { SessionStore } from "@/lib/auth/session-store";
import { findSessionUser } from "@/lib/auth/sessions";
import type { User } from "@/lib/auth/user";
import { AppError } from "@/lib/errors";

/**
 * The one function the app calls to learn who is signed in, with the session store (from the store
 * registry: withUser passes it for routes, lib/api/page-user.ts for pages). Route handlers pass their
 * Request; server components pass none and it reads the cookie store. The session is checked against Postgres every time (one round trip), so
 * a revoked or expired session is signed out on every instance.
 * Today the only provider is the local dev sign-in; Clerk will plug in here behind the same function.
 */
export async function getUser(request: Request | undefined, sessions: SessionStore): Promise<User | null> {
  return findSessionUser(sessions, await readSessionCookie(request));
}

export async function requireUser(request: Request | undefined, sessions: SessionStore): Promise<User> {
  const user = await getUser(request, sessions);
  if (!user) throw new AppError("unauthorized", "Sign in to continue.");
  return user;
}
