"use client";

import { UserButton } from "@clerk/nextjs";

/** Clerk's account button (profile, sessions, sign-out), shown instead of the dev account menu. Loaded only with Clerk. */
export default function ClerkUserButton() {
  return (
    <div className="flex min-h-11 items-center px-2" data-testid="clerk-user-button">
      <UserButton showName afterSwitchSessionUrl="/chat" />
    </div>
  );
}
