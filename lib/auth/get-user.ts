import "server-only";
import { cookies } from "next/headers";
import { SESSION_COOKIE, verifySession } from "@/lib/auth/session-token";
import { getSessionSecret } from "@/lib/auth/session-secret";
import type { User } from "@/lib/auth/user";
import { AppError } from "@/lib/errors";

/**
 * The one function the app calls to learn who is signed in. Route handlers pass their Request;
 * server components call it without one and it reads the cookie store.
 * Today the only provider is the local dev sign-in; Clerk will plug in here behind the same function.
 */
export async function getUser(request?: Request): Promise<User | null> {
  const token = request ? readCookie(request.headers.get("cookie"), SESSION_COOKIE) : (await cookies()).get(SESSION_COOKIE)?.value;
  const session = verifySession(token, getSessionSecret());
  return session ? { id: session.sub, name: session.name } : null;
}

export async function requireUser(request?: Request): Promise<User> {
  const user = await getUser(request);
  if (!user) throw new AppError("unauthorized", "Sign in to continue.");
  return user;
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined; // a malformed cookie is no session, not a server error
      }
    }
  }
  return undefined;
}
