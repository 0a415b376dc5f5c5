"use client";

import { lazy, Suspense, useEffect, useSyncExternalStore } from "react";
import { toasterMounted, toasterWanted } from "@/lib/client/notify";

/** sonner's Toaster, loaded with the first toast (it is not needed to paint a page). */
const LazyToaster = lazy(async () => {
  const { Toaster } = await import("sonner");
  function MountedToaster() {
    // The Toaster (a child) subscribes in its own effect, which runs before this one.
    useEffect(() => toasterMounted(), []);
    return <Toaster richColors closeButton theme="system" position="top-right" />;
  }
  return { default: MountedToaster };
});

export function AppToaster() {
  const wanted = useSyncExternalStore(toasterWanted.subscribe, toasterWanted.get, () => false);
  return wanted ? (
    <Suspense fallback={null}>
      <LazyToaster />
    </Suspense>
  ) : null;
}
