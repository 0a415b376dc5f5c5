"use client";

import { SignIn } from "@clerk/nextjs";

/** Clerk's sign-in (and sign-up) card; `next` is where a signed-in user lands. Rendered only with Clerk. */
export function ClerkSignIn({ next }: { next: string }) {
  return <SignIn routing="hash" forceRedirectUrl={next} signUpForceRedirectUrl={next} />;
}
