import { identityOf } from "@/lib/auth/user";
import { noStoreJson, withUser } from "@/lib/api/handler";
import { searchParamsOf, usageRangeQuerySchema } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** The signed-in user's requests, tokens and cost per model: GET ?range=period|7d|30d. */
export const GET = withUser(async ({ request, user, stores }) => {
  const { range } = usageRangeQuerySchema.parse(searchParamsOf(request));
  return noStoreJson(await stores.usage.getTotalsByModel(identityOf(user), range));
});
