import "server-only";
import { cookies } from "next/headers";
import { SESSION_COOKIE } from "@/lib/auth/session-token";
import { getEnv } from "@/lib/env";

/** The session cookie's raw value: from the Request in route handlers, from the cookie store in server components. */
export async function readSessionCookie(request?: Request): Promise<string | undefined> {
  return request ? readCookie(request.headers.get("cookie"), SESSION_COOKIE) : (await cookies()).get(SESSION_COOKIE)?.value;
}

/** True when the request carries a session cookie at all (valid or not): it may be cookie-authenticated. */
export function hasSessionCookie(request: Request): boolean {
  return readCookie(request.headers.get("cookie"), SESSION_COOKIE) !== undefined;
}

/** `Set-Cookie` for a session: http-only, SameSite=Lax, Secure when the app is served over https. */
export function sessionCookieHeader(value: string, maxAgeSeconds: number): string {
  const secure = getEnv().APP_URL.startsWith("https://") ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export function clearedSessionCookie(): string {
  return sessionCookieHeader("", 0);
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return ""; // a malformed cookie is no session, not a server error (but it is a cookie)
      }
    }
  }
  return undefined;
}
