"use client";

import { ClerkProvider, UserButton } from "@clerk/nextjs";

/**
 * Clerk's account button (profile, sessions, sign-out), shown instead of the dev account menu, with
 * its own provider: loaded lazily (and only on a server that signs in with Clerk), so none of Clerk's
 * code is in any page's first load otherwise. The server reads the session from the proxy, not from
 * this provider.
 */
export default function ClerkUserButton({ publishableKey }: { publishableKey: string }) {
  return (
    <ClerkProvider publishableKey={publishableKey} signInUrl="/sign-in" signUpUrl="/sign-in" afterSignOutUrl="/">
      <div className="flex min-h-11 items-center px-2" data-testid="clerk-user-button">
        <UserButton showName />
      </div>
    </ClerkProvider>
  );
}
