import { UsersView } from "@/components/admin/users-view";

export const metadata = { title: "Users" };

export default function UsersAdminPage() {
  return <UsersView />;
}
