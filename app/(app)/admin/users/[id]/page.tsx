import { UserDetailView } from "@/components/admin/user-detail-view";

export const metadata = { title: "User" };

export default async function UserAdminPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <UserDetailView userId={safeDecode(id)} />;
}

/** The segment as the user id it encodes (left as it is when it is not valid percent-encoding). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
