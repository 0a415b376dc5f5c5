import { analyticsQuerySchema } from "@/lib/admin/analytics";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { searchParamsOf } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** One analytics view: GET ?view=daily|models|users|spikes&from=YYYY-MM-DD&to=YYYY-MM-DD&limit=1..1000 (UTC days, inclusive; default the last 30). */
export const GET = withAdmin(async ({ request, user, stores }) => {
  const query = analyticsQuerySchema(new Date()).parse(searchParamsOf(request));
  return noStoreJson(await stores.admin.analytics(user.id, query));
});
