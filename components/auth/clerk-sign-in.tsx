"use client";

import { ClerkProvider, SignIn } from "@clerk/nextjs";

/** Clerk's sign-in (and sign-up) card with its own provider; `next` is where a signed-in user lands. Loaded lazily, only with Clerk. */
export default function ClerkSignIn({ publishableKey, next }: { publishableKey: string; next: string }) {
  return (
    <ClerkProvider publishableKey={publishableKey} signInUrl="/sign-in" signUpUrl="/sign-in" afterSignOutUrl="/">
      <SignIn routing="hash" forceRedirectUrl={next} signUpForceRedirectUrl={next} />
    </ClerkProvider>
  );
}
