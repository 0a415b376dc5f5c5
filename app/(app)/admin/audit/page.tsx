import { AuditView } from "@/components/admin/audit-view";

export const metadata = { title: "Audit log" };

export default function AuditAdminPage() {
  return <AuditView />;
}
