import { headers } from "next/headers";
import { AppProviders } from "@/components/app-providers";
import { AppShell } from "@/components/sidebar/app-sidebar";
import { requirePageUser } from "@/lib/api/page-user";

/** The signed-in app: sidebar (conversations, gauge, account) and the page beside it. */
export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const path = (await headers()).get("x-pathname") ?? "/chat";
  const user = await requirePageUser(path);
  return (
    <AppProviders>
      <AppShell userName={user.name}>{children}</AppShell>
    </AppProviders>
  );
}
