import { ModelsView } from "@/components/admin/models-view";

export const metadata = { title: "Models" };

export default function ModelsAdminPage() {
  return <ModelsView />;
}
