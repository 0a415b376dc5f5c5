import { PlansView } from "@/components/admin/plans-view";

export const metadata = { title: "Plans" };

export default function PlansAdminPage() {
  return <PlansView />;
}
