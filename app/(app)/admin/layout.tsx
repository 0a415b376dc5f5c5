import { headers } from "next/headers";
import { AdminNav } from "@/components/admin/admin-nav";
import { AdminsOnly } from "@/components/admin/admins-only";
import { isPageAdmin, requirePageUser } from "@/lib/api/page-user";

export const metadata = { title: { default: "Admin", template: "%s · Admin · Tokenmeter" } };

/**
 * The admin console: only for admins (accounts.is_admin; the routes check again on every call).
 * Signed out: sign-in and back. Signed in but not an admin: a plain "Admins only" page.
 */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const path = (await headers()).get("x-pathname") ?? "/admin";
  const user = await requirePageUser(path);
  if (!(await isPageAdmin(user.id))) return <AdminsOnly />;
  return (
    <div className="min-h-0 flex-1 overflow-y-auto">
      <div className="mx-auto w-full max-w-6xl space-y-6 px-4 py-6">
        <header className="space-y-3">
          <h1 className="text-2xl font-semibold">Admin</h1>
          <AdminNav />
        </header>
        {children}
      </div>
    </div>
  );
}
