import "server-only";
import { redirect } from "next/navigation";
import { getUser } from "@/lib/auth/get-user";
import type { User } from "@/lib/auth/user";

/** For signed-in pages: the user, or a redirect to sign-in that comes back to `path`. */
export async function requirePageUser(path: string): Promise<User> {
  const user = await getUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return user;
}
