import "server-only";
import { clerkMiddleware } from "@clerk/nextjs/server";
import type { NextMiddleware, NextRequest } from "next/server";
import type { ClerkConfig } from "@/lib/auth/provider";

/**
 * proxy.ts with Clerk: clerkMiddleware verifies the session token (Authorization: Bearer, or the
 * __session cookie) with the PEM key, with no network call, and hands the result to auth() in routes
 * and pages. It authorises nothing: a refused token is simply signed out, and each route answers 401
 * itself (lib/api/handler.ts); pages redirect to /sign-in. The keys are passed as options, read at run
 * time (lib/env.ts), never from Clerk's own build-time environment reads; the secret key is not
 * passed (that would need CLERK_ENCRYPTION_KEY): Clerk reads CLERK_SECRET_KEY from the environment
 * itself, at run time.
 */
export function createClerkProxy(config: ClerkConfig, next: (request: NextRequest) => Response): NextMiddleware {
  return clerkMiddleware((_auth, request) => next(request), {
    publishableKey: config.publishableKey,
    jwtKey: config.jwtKey,
    authorizedParties: [config.appOrigin],
    signInUrl: "/sign-in",
    signUpUrl: "/sign-in",
  });
}
