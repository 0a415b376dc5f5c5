import { headers } from "next/headers";
import { AppProviders } from "@/components/app-providers";
import { AppShell } from "@/components/sidebar/app-sidebar";
import { isPageAdmin, requirePageUser } from "@/lib/api/page-user";
import { clerkConfig } from "@/lib/auth/provider";

/** The signed-in app: sidebar (conversations, gauge, account, admin for admins) and the page beside it. */
export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const path = (await headers()).get("x-pathname") ?? "/chat";
  const user = await requirePageUser(path);
  // Only shows or hides the Admin link: every admin page and route checks again.
  const isAdmin = await isPageAdmin(user.id);
  return (
    <AppProviders>
      <AppShell userName={user.name} isAdmin={isAdmin} clerkPublishableKey={clerkConfig()?.publishableKey}>
        {children}
      </AppShell>
    </AppProviders>
  );
}
