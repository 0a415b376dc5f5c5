"use client";

import { SWRConfig } from "swr";
import { AppToaster } from "@/components/toaster";
import { ApiError } from "@/lib/client/errors";

/**
 * What every signed-in page shares: toasts, and one rule for the data hooks: a session that ended
 * (401 from any poll or read) goes back to sign-in, and returns here afterwards.
 */
export function AppProviders({ children }: { children: React.ReactNode }) {
  return (
    <SWRConfig
      value={{
        onError: (error) => {
          if (error instanceof ApiError && error.code === "unauthorized") {
            // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose: no cached data of the old session stays
            window.location.assign(`/sign-in?next=${encodeURIComponent(window.location.pathname)}`);
          }
        },
      }}
    >
      {children}
      <AppToaster />
    </SWRConfig>
  );
}
