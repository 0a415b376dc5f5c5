import "server-only";
import { errorResponse } from "@/lib/api/error-response";
import { requestIdOf } from "@/lib/api/request-id";
import { checkSameOrigin } from "@/lib/api/same-origin";
import { getStores, type Stores } from "@/lib/api/stores";
import { requireSignedIn } from "@/lib/auth/get-user";
import { hasSessionCookie } from "@/lib/auth/session-cookie";
import type { User } from "@/lib/auth/user";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/** What Next.js passes a route handler besides the request: the dynamic segments, as a promise. */
type NextContext<P> = { params: Promise<P> };

export type RouteContext<P = Record<string, never>> = {
  request: Request;
  /** The route's dynamic segments, unparsed: handlers parse them with zod. */
  params: Promise<P>;
  stores: Stores;
};

export type UserRouteContext<P = Record<string, never>> = RouteContext<P> & { user: User };

/**
 * The one route wrapper: refuses a cross-site POST, PUT, PATCH or DELETE (403 forbidden, before
 * the handler runs: lib/api/same-origin.ts), hands the handler the database stores and maps
 * whatever it throws to the API's error body (ZodError -> 400 naming the fields, AppError -> its
 * status, anything else -> 500, logged and never sent). Public routes use it directly. Every answer
 * carries the request's id (`x-request-id`); the API's security headers come from next.config.ts.
 */
export function withRoute<P = Record<string, never>>(handler: (context: RouteContext<P>) => Promise<Response>) {
  return async (request: Request, next?: NextContext<P>): Promise<Response> => {
    let response: Response;
    try {
      assertSameOrigin(request);
      response = await handler({ request, params: next?.params ?? Promise.resolve({} as P), stores: getStores() });
    } catch (error) {
      response = errorResponse(error);
    }
    try {
      response.headers.set("x-request-id", requestIdOf(request.headers));
    } catch {
      // A response whose headers cannot change (Response.redirect, a fetched one) goes out without it.
    }
    return response;
  };
}

/**
 * withRoute for signed-in users: 401 unless the session is valid, checked before the handler's first
 * database call or with it, in the same statement (lib/auth/sessions.ts), so a request on an ended
 * session changes nothing. Every route checks the user itself (a proxy-level check is not enough).
 * `withAdmin` builds on it.
 */
export function withUser<P = Record<string, never>>(handler: (context: UserRouteContext<P>) => Promise<Response>) {
  return withRoute<P>(async (context) => {
    const { user, run } = await requireSignedIn(context.request, context.stores.sessions);
    return run(() => handler({ ...context, user }));
  });
}

/**
 * withUser for admins: 403 `forbidden` "Admins only." before the handler runs unless the database
 * says the signed-in user is an admin (accounts.is_admin; one call, which first promotes a user
 * listed in ADMIN_USER_IDS). The handler gets `{ request, params, user, stores }` like withUser.
 */
export function withAdmin<P = Record<string, never>>(handler: (context: UserRouteContext<P>) => Promise<Response>) {
  return withUser<P>(async (context) => {
    await context.stores.admin.requireAdmin(context.user.id);
    return handler(context);
  });
}

function assertSameOrigin(request: Request): void {
  const verdict = checkSameOrigin({
    method: request.method,
    url: request.url,
    headers: request.headers,
    appUrl: getEnv().APP_URL,
    hasSessionCookie: hasSessionCookie(request),
  });
  if (!verdict.allowed) {
    console.warn(`[api] cross-site ${request.method} ${new URL(request.url).pathname} refused: ${verdict.reason}`);
    throw new AppError("forbidden", "Cross-site request refused");
  }
}

export { noStoreJson } from "@/lib/api/no-store-json";
