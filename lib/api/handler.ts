import "server-only";
import { errorResponse } from "@/lib/api/error-response";
import { getStores, type Stores } from "@/lib/api/stores";
import { requireUser } from "@/lib/auth/get-user";
import type { User } from "@/lib/auth/user";

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
 * The one route wrapper: hands the handler the database stores and maps whatever it throws to the
 * API's error body (ZodError -> 400 naming the fields, AppError -> its status, anything else -> 500,
 * logged and never sent). Public routes use it directly.
 */
export function withRoute<P = Record<string, never>>(handler: (context: RouteContext<P>) => Promise<Response>) {
  return async (request: Request, next?: NextContext<P>): Promise<Response> => {
    try {
      return await handler({ request, params: next?.params ?? Promise.resolve({} as P), stores: getStores() });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * withRoute for signed-in users: 401 before the handler runs unless the session is valid. Every
 * route checks the user itself (a proxy-level check is not enough). `withAdmin` will take this shape.
 */
export function withUser<P = Record<string, never>>(handler: (context: UserRouteContext<P>) => Promise<Response>) {
  return withRoute<P>(async (context) => handler({ ...context, user: await requireUser(context.request) }));
}

/** A JSON answer that no cache keeps. */
export function noStoreJson(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Cache-Control", "no-store");
  return Response.json(body, { ...init, headers });
}
