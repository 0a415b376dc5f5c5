import { identityOf } from "@/lib/auth/user";
import { noStoreJson, withUser } from "@/lib/api/handler";
import { searchParamsOf, usageDailyQuerySchema } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** The signed-in user's tokens, requests and cost per UTC day and model: GET ?days=1..90 (default 30). */
export const GET = withUser(async ({ request, user, stores }) => {
  const { days } = usageDailyQuerySchema.parse(searchParamsOf(request));
  return noStoreJson(await stores.usage.getDailyTotals(identityOf(user), days));
});
