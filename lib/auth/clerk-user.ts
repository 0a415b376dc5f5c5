import "server-only";
import type { User } from "@/lib/auth/user";

/**
 * The Clerk user of this request, from the state clerkMiddleware (proxy.ts) verified with the JWT
 * key: null when signed out or when the token was refused (bad signature, expired, foreign azp).
 * Loaded only when Clerk is configured (lib/auth/get-user.ts imports this module lazily).
 */
export async function getClerkUser(): Promise<User | null> {
  const { auth } = await import("@clerk/nextjs/server");
  const session = await auth();
  if (!session.userId) return null;
  // The incoming session token itself (no network): RLS on hosted Supabase sees its `sub`.
  const accessToken = (await session.getToken()) ?? undefined;
  const claims = (session.sessionClaims ?? {}) as Record<string, unknown>;
  const name = [claims.name, claims.email].find((value): value is string => typeof value === "string" && value.trim() !== "");
  const email = typeof claims.email === "string" && claims.email.includes("@") ? claims.email : undefined;
  return { id: session.userId, name: name ?? "Account", ...(email ? { email } : {}), ...(accessToken ? { accessToken } : {}) };
}
