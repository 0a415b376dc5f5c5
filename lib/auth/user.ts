import type { UserIdentity } from "@/lib/db/rpc";

/** Who is signed in, as the rest of the app sees it, whichever provider signed them in. */
export type User = {
  id: string;
  name: string;
  /** What the sign-in says the user's e-mail is, when it says (Clerk's `email` claim); informational. */
  email?: string;
  /** Clerk's session token, passed to hosted Supabase so RLS sees the user (the dev sign-in has none). */
  accessToken?: string;
};

/** The user as the database port knows them, for calls made under Row Level Security. */
export function identityOf(user: User): UserIdentity {
  return user.accessToken ? { userId: user.id, accessToken: user.accessToken } : { userId: user.id };
}
