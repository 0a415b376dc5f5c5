"use client";

import { BarChart3Icon, ChevronsUpDownIcon, LogOutIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { DeferredMenu } from "@/components/ui/deferred-menu";
import { fetchJson } from "@/lib/client/fetch-json";
import { notify } from "@/lib/client/notify";

/** The signed-in user: usage, sign-out. */
export function UserMenu({ name, onNavigate }: { name: string; onNavigate?: () => void }) {
  async function signOut() {
    try {
      await fetchJson("/api/auth/sign-out", { method: "POST" });
      // A full page load: nothing of this user (cached lists, status) stays in the tab for the next one.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose: no cached data of the old session stays
      window.location.assign("/sign-in");
    } catch {
      notify("error", "Could not sign out. Try again.");
    }
  }
  return (
    <DeferredMenu
      side="top"
      align="start"
      contentClassName="w-56"
      label={`Signed in as ${name}`}
      trigger={
        <Button variant="ghost" className="h-auto w-full justify-between px-2 py-2" aria-label={`Account menu for ${name}`}>
          <span className="flex min-w-0 items-center gap-2">
            <span aria-hidden="true" className="flex size-7 shrink-0 items-center justify-center rounded-full bg-primary/15 text-xs font-semibold text-primary">
              {name.slice(0, 1).toUpperCase()}
            </span>
            <span className="truncate text-sm">{name}</span>
          </span>
          <ChevronsUpDownIcon className="text-muted-foreground" aria-hidden="true" />
        </Button>
      }
      items={[
        { label: "Usage", icon: <BarChart3Icon aria-hidden="true" />, href: "/usage", onSelect: onNavigate },
        { label: "Sign out", icon: <LogOutIcon aria-hidden="true" />, onSelect: () => void signOut(), separatorBefore: true },
      ]}
    />
  );
}
