import "server-only";
import { z } from "zod";
import { SESSION_COOKIE, SESSION_TTL_SECONDS, signSession } from "@/lib/auth/session-token";
import { getSessionSecret } from "@/lib/auth/session-secret";
import type { User } from "@/lib/auth/user";
import { getEnv } from "@/lib/env";

export const devSignInSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "Enter a name")
    .max(60, "At most 60 characters")
    .regex(/^[\p{L}\p{N} ._'-]+$/u, "Letters, digits, spaces and . _ ' - only"),
});
export type DevSignIn = z.infer<typeof devSignInSchema>;

/** The same name always signs in as the same user: `dev_<slug>`. */
export function devUserId(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `dev_${slug || "user"}`;
}

export function createDevSession(input: DevSignIn): { user: User; cookie: string } {
  const user: User = { id: devUserId(input.name), name: input.name };
  return { user, cookie: sessionCookie(signSession(user, getSessionSecret()), SESSION_TTL_SECONDS) };
}

export function clearedSessionCookie(): string {
  return sessionCookie("", 0);
}

function sessionCookie(value: string, maxAge: number): string {
  const secure = getEnv().APP_URL.startsWith("https://") ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}
