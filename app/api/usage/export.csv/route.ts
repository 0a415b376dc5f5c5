import { identityOf } from "@/lib/auth/user";
import { withUser } from "@/lib/api/handler";
import { startUsageCsvExport, usageCsvResponse } from "@/lib/usage/export-csv";
import { searchParamsOf, usageRangeQuerySchema } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** The signed-in user's history as a streamed CSV download: GET ?range=period|7d|30d. */
export const GET = withUser(async ({ request, user, stores }) => {
  const { range } = usageRangeQuerySchema.parse(searchParamsOf(request));
  return usageCsvResponse(await startUsageCsvExport(stores.usage, identityOf(user), range));
});
