import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getStores } from "@/lib/api/stores";
import { getUser } from "@/lib/auth/get-user";
import { authProvider } from "@/lib/auth/provider";
import type { User } from "@/lib/auth/user";

/**
 * For pages (server components): who is signed in, checked against the session store like any route.
 * Once per request (React's cache): the app layout and the admin layout ask the same question.
 */
export const getPageUser = cache(async (): Promise<User | null> => getUser(undefined, getStores().sessions));

/** For signed-in pages: the user, or a redirect to sign-in that comes back to `path`. */
export async function requirePageUser(path: string): Promise<User> {
  const user = await getPageUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  // With Clerk (no session row of ours), the account exists from the first signed-in page on, with the
  // e-mail the session token carries, for the admin console. The dev sign-in's session did both already.
  if (authProvider() === "clerk") await getStores().sessions.recordSignIn(user.id, user.email);
  return user;
}

/** For pages: whether the user is an admin (accounts.is_admin), once per request. Never throws "forbidden": the page decides what to show. */
export const isPageAdmin = cache(async (userId: string): Promise<boolean> => getStores().admin.isAdmin(userId));
