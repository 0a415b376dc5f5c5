import "server-only";
import { redirect } from "next/navigation";
import { getStores } from "@/lib/api/stores";
import { getUser } from "@/lib/auth/get-user";
import type { User } from "@/lib/auth/user";

/** For pages (server components): who is signed in, checked against the session store like any route. */
export async function getPageUser(): Promise<User | null> {
  return getUser(undefined, getStores().sessions);
}

/** For signed-in pages: the user, or a redirect to sign-in that comes back to `path`. */
export async function requirePageUser(path: string): Promise<User> {
  const user = await getPageUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  // Clerk says who the user is on every request: keep the account's e-mail current (admin search).
  if (user.email) await getStores().sessions.recordEmail(user.id, user.email);
  return user;
}
