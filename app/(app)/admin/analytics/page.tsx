import { AnalyticsView } from "@/components/admin/analytics-view";

export const metadata = { title: "Analytics" };

export default function AnalyticsAdminPage() {
  return <AnalyticsView />;
}
