import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { requestIdOf } from "@/lib/api/request-id";
import { clerkConfig } from "@/lib/auth/provider";
import { SESSION_COOKIE } from "@/lib/auth/session-token";

/**
 * Next 16's proxy (formerly `middleware.ts`; it runs on the Node.js runtime). Runs before pages:
 * gives each request an id, tells the layouts the path (sign-in comes back to it) and sets the
 * pages' security headers, their Content-Security-Policy naming Clerk's image host when Clerk is
 * on. With Clerk configured, clerkMiddleware runs first and verifies the session
 * (lib/auth/clerk-proxy.ts, loaded only then). It authorises nothing: every route checks the user
 * itself.
 *
 * API requests pass through here only when Clerk may need to see them: those carrying the dev
 * sign-in's cookie skip it (see `config`), which saves about 2 ms a request. Their security headers
 * come from next.config.ts and their request id from the route wrapper (lib/api/handler.ts), the
 * same whether this ran or not.
 */
let clerkProxy: ReturnType<typeof loadClerkProxy> | undefined;

export async function proxy(request: NextRequest, event: NextFetchEvent) {
  const clerk = clerkConfig();
  if (!clerk) return withHeaders(request, []);
  clerkProxy ??= loadClerkProxy(clerk);
  return (await clerkProxy)(request, event);
}

function loadClerkProxy(clerk: NonNullable<ReturnType<typeof clerkConfig>>) {
  // Clerk's avatars (UserButton) come from img.clerk.com.
  return import("@/lib/auth/clerk-proxy").then(({ createClerkProxy }) =>
    createClerkProxy(clerk, (request) => {
      const response = withHeaders(request, ["https://img.clerk.com"]);
      // A dev sign-in cookie means nothing with Clerk, and would keep API requests from this proxy.
      if (request.cookies.has(SESSION_COOKIE)) response.cookies.delete(SESSION_COOKIE);
      return response;
    }),
  );
}

function withHeaders(request: NextRequest, imageOrigins: readonly string[]) {
  if (request.nextUrl.pathname.startsWith("/api/")) return NextResponse.next();
  const requestId = requestIdOf(request.headers);
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);
  // Lets a layout send a signed-out visitor to sign-in and back to the page they asked for.
  headers.set("x-pathname", request.nextUrl.pathname);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("x-request-id", requestId);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  response.headers.set("X-Frame-Options", "DENY");
  // Images only from this site (a reply's markdown never loads one from elsewhere); no plugins, no framing.
  const images = ["'self'", "data:", "blob:", ...imageOrigins].join(" ");
  response.headers.set("Content-Security-Policy", `img-src ${images}; object-src 'none'; base-uri 'self'; frame-ancestors 'none'`);
  return response;
}

export const config = {
  matcher: [
    // Everything but the API and static files.
    "/((?!api/|_next/static|_next/image|favicon.ico).*)",
    // The API without the dev sign-in's cookie (SESSION_COOKIE in lib/auth/session-token.ts): Clerk's
    // requests (clerkMiddleware must run before auth()) and signed-out ones. With Clerk, an API
    // request that carries it anyway is signed out before auth() is asked (lib/auth/get-user.ts): its
    // x-clerk-* headers were never overwritten here. Every page load clears such a leftover cookie.
    { source: "/api/:path*", missing: [{ type: "cookie", key: "tm_session" }] },
  ],
};
