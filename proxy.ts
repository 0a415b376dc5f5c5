import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { clerkConfig } from "@/lib/auth/provider";

/**
 * Next 16's proxy (formerly `middleware.ts`; it runs on the Node.js runtime). Runs before every
 * matched request: gives each request an id that route handlers and logs can share, and sets
 * baseline security headers. With Clerk configured, clerkMiddleware runs first and verifies the
 * session (lib/auth/clerk-proxy.ts, loaded only then). It authorises nothing: every route checks the
 * user itself.
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
  return import("@/lib/auth/clerk-proxy").then(({ createClerkProxy }) => createClerkProxy(clerk, (request) => withHeaders(request, ["https://img.clerk.com"])));
}

function withHeaders(request: NextRequest, imageOrigins: readonly string[]) {
  const incoming = request.headers.get("x-request-id");
  // Accept a caller's id (a load balancer's) only if it is short and plain: it ends up in logs.
  const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
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
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
