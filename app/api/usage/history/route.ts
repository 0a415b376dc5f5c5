import { identityOf } from "@/lib/auth/user";
import { noStoreJson, withUser } from "@/lib/api/handler";
import { getUsageHistory } from "@/lib/usage/history";
import { searchParamsOf, usageHistoryQuerySchema } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** The signed-in user's requests, newest first: GET ?range=period|7d|30d&limit=1..100&cursor=<nextCursor>. */
export const GET = withUser(async ({ request, user, stores }) => {
  const query = usageHistoryQuerySchema.parse(searchParamsOf(request));
  return noStoreJson(await getUsageHistory(stores.usage, identityOf(user), query));
});
