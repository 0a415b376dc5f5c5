import { analyticsCsv, analyticsQuerySchema } from "@/lib/admin/analytics";
import { withAdmin } from "@/lib/api/handler";
import { csvResponse } from "@/lib/client/csv";
import { searchParamsOf } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** One analytics view as a CSV download: the same query as GET /api/admin/analytics. */
export const GET = withAdmin(async ({ request, user, stores }) => {
  const query = analyticsQuerySchema(new Date()).parse(searchParamsOf(request));
  const { filename, body } = analyticsCsv(await stores.admin.analytics(user.id, query));
  return csvResponse(filename, body);
});
