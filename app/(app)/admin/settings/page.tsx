import { SettingsView } from "@/components/admin/settings-view";

export const metadata = { title: "Settings" };

export default function SettingsAdminPage() {
  return <SettingsView />;
}
