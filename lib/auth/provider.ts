import "server-only";
import { getEnv } from "@/lib/env";

/**
 * Which sign-in this server runs: Clerk when its three keys are set (lib/env.ts refuses a partial
 * set), otherwise the local dev sign-in (refused in production unless AUTH_MODE=dev). Decided from
 * the environment at run time, so one build serves either.
 */
export type ClerkConfig = {
  publishableKey: string;
  /** PEM public key: Clerk's session tokens are verified locally, never by fetching JWKS. */
  jwtKey: string;
  /** The app's origin: a token whose `azp` names another site is refused. */
  appOrigin: string;
};

export type AuthProvider = "clerk" | "dev";

export function clerkConfig(): ClerkConfig | null {
  const env = getEnv();
  if (!env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY || !env.CLERK_SECRET_KEY || !env.CLERK_JWT_KEY) return null;
  return {
    publishableKey: env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY,
    jwtKey: env.CLERK_JWT_KEY,
    appOrigin: new URL(env.APP_URL).origin,
  };
}

export function authProvider(): AuthProvider {
  return clerkConfig() ? "clerk" : "dev";
}
