import "server-only";
import { z } from "zod";
import type { SessionStore } from "@/lib/auth/session-store";
import { startSession } from "@/lib/auth/sessions";
import type { User } from "@/lib/auth/user";

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

/** Signs in as the name's dev user: a new session in Postgres and the cookie that carries it. */
export async function createDevSession(input: DevSignIn, sessions: SessionStore): Promise<{ user: User; cookie: string }> {
  const user: User = { id: devUserId(input.name), name: input.name };
  return { user, cookie: await startSession(sessions, user) };
}
