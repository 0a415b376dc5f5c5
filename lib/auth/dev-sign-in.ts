import "server-only";
import { z } from "zod";
import type { SessionStore } from "@/lib/auth/session-store";
import { authProvider } from "@/lib/auth/provider";
import { startSession } from "@/lib/auth/sessions";
import type { User } from "@/lib/auth/user";
import { AppError } from "@/lib/errors";

export const devSignInSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "Enter a name")
    .max(60, "At most 60 characters")
    .regex(/^[\p{L}\p{N} ._'-]+$/u, "Letters, digits, spaces and . _ ' - only"),
  /** Optional: lets an admin find this user by e-mail. */
  email: z.preprocess((value) => (typeof value === "string" ? value.trim() || undefined : value), z.email("Enter an e-mail address, or leave it empty").max(320).optional()),
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
  const cookie = await startSession(sessions, user);
  if (input.email) await sessions.recordSignIn(user.id, input.email);
  return { user, cookie };
}

/** The dev sign-in's routes exist only while it is the sign-in: with Clerk configured they are 404. */
export function assertDevSignIn(): void {
  if (authProvider() === "clerk") throw new AppError("not_found", "This server signs in with Clerk: the local dev sign-in is off.");
}
