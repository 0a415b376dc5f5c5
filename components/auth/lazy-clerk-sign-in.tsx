"use client";

import { lazy, Suspense } from "react";

const ClerkSignIn = lazy(() => import("@/components/auth/clerk-sign-in"));

/** The sign-in page's Clerk card, fetched only when the server signs in with Clerk. */
export function LazyClerkSignIn(props: { publishableKey: string; next: string }) {
  return (
    <Suspense fallback={<p className="text-sm text-muted-foreground">Loading sign-in…</p>}>
      <ClerkSignIn {...props} />
    </Suspense>
  );
}
