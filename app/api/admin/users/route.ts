import { searchUsersQuerySchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { searchParamsOf } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** Accounts by part of their user id (no e-mail is stored) and plan: GET ?q=&plan=&limit=1..100&cursor=<nextCursor>. */
export const GET = withAdmin(async ({ request, user, stores }) => {
  const query = searchUsersQuerySchema.parse(searchParamsOf(request));
  return noStoreJson(await stores.admin.searchUsers(user.id, query));
});
