"use client";

import { BarChart3Icon, GaugeIcon, MenuIcon, ShieldIcon, SquarePenIcon } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { lazy, Suspense, useState } from "react";
import { ConversationList } from "@/components/sidebar/conversation-list";
import { TokenGauge } from "@/components/sidebar/token-gauge";
import { UserMenu } from "@/components/sidebar/user-menu";
import { Button } from "@/components/ui/button";
import { startNewChat } from "@/lib/client/new-chat";
import { cn } from "@/lib/client/cn";

/** Clerk's account button, loaded only on a server that signs in with Clerk. */
const ClerkUserButton = lazy(() => import("@/components/auth/clerk-user-button"));

type ShellUser = {
  userName: string;
  isAdmin: boolean;
  /** Set when the server signs in with Clerk: the account menu is Clerk's UserButton then. */
  clerkPublishableKey?: string;
};

/** A link of the sidebar's foot (usage, admin), marked when its page is open. */
function FootLink({ href, active, icon, label, onNavigate }: { href: string; active: boolean; icon: React.ReactNode; label: string; onNavigate?: () => void }) {
  return (
    <Link
      href={href}
      onClick={onNavigate}
      aria-current={active ? "page" : undefined}
      className={cn("flex items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-accent", active && "bg-accent")}
    >
      {icon} {label}
    </Link>
  );
}

/** The sidebar's content: new chat, conversations, usage (and, for admins, admin) links, the gauge and the user. */
function SidebarContent({ userName, isAdmin, clerkPublishableKey, onNavigate }: ShellUser & { onNavigate?: () => void }) {
  const pathname = usePathname();
  return (
    <div className="flex h-full min-h-0 flex-col gap-2 p-3">
      <div className="flex items-center justify-between gap-2 px-1 pt-1">
        <Link href="/chat" onClick={onNavigate} className="flex items-center gap-2 font-semibold">
          <GaugeIcon className="size-5 text-primary" aria-hidden="true" />
          Tokenmeter
        </Link>
      </div>
      <Button asChild variant="outline" className="justify-start">
        <Link href="/chat" onClick={() => (startNewChat(), onNavigate?.())} data-testid="new-chat">
          <SquarePenIcon aria-hidden="true" /> New chat
        </Link>
      </Button>
      <div className="min-h-0 flex-1 overflow-y-auto py-1">
        <ConversationList onNavigate={onNavigate} />
      </div>
      <FootLink
        href="/usage"
        active={pathname === "/usage"}
        onNavigate={onNavigate}
        icon={<BarChart3Icon className="size-4 text-muted-foreground" aria-hidden="true" />}
        label="Usage and history"
      />
      {isAdmin ? (
        <FootLink
          href="/admin"
          active={pathname === "/admin" || pathname.startsWith("/admin/")}
          onNavigate={onNavigate}
          icon={<ShieldIcon className="size-4 text-muted-foreground" aria-hidden="true" />}
          label="Admin"
        />
      ) : null}
      <TokenGauge />
      {clerkPublishableKey ? (
        <Suspense fallback={<div className="min-h-11" />}>
          <ClerkUserButton publishableKey={clerkPublishableKey} />
        </Suspense>
      ) : (
        <UserMenu name={userName} onNavigate={onNavigate} />
      )}
    </div>
  );
}

/** The phone-width drawer (Radix Dialog), loaded when first opened. */
const MobileDrawer = lazy(() => import("@/components/sidebar/mobile-drawer"));

/**
 * The signed-in shell: a sidebar beside the page on wide screens; at phone width a top bar whose
 * menu button opens the sidebar as a drawer.
 */
export function AppShell({ userName, isAdmin, clerkPublishableKey, children }: ShellUser & { children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="flex h-dvh overflow-hidden">
      <aside className="hidden w-72 shrink-0 border-r bg-sidebar md:block" aria-label="Sidebar">
        <SidebarContent userName={userName} isAdmin={isAdmin} clerkPublishableKey={clerkPublishableKey} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center gap-2 border-b px-2 py-2 md:hidden">
          <Button variant="ghost" size="icon" aria-label="Open menu" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(true)}>
            <MenuIcon />
          </Button>
          {open ? (
            <Suspense fallback={null}>
              <MobileDrawer open onOpenChange={setOpen}>
                <SidebarContent userName={userName} isAdmin={isAdmin} clerkPublishableKey={clerkPublishableKey} onNavigate={() => setOpen(false)} />
              </MobileDrawer>
            </Suspense>
          ) : null}
          <Link href="/chat" className="flex items-center gap-2 font-semibold">
            <GaugeIcon className="size-5 text-primary" aria-hidden="true" /> Tokenmeter
          </Link>
          <Button asChild variant="ghost" size="icon" className="ml-auto">
            <Link href="/chat" aria-label="New chat" onClick={startNewChat}>
              <SquarePenIcon />
            </Link>
          </Button>
        </header>
        <main className="flex min-h-0 flex-1 flex-col">{children}</main>
      </div>
    </div>
  );
}
