import { auditQuerySchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { searchParamsOf } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

/** The audit log, newest first: GET ?actor=&userId=&action=&from=&to=&limit=1..100&cursor=<nextCursor>. */
export const GET = withAdmin(async ({ request, user, stores }) => {
  const query = auditQuerySchema.parse(searchParamsOf(request));
  return noStoreJson(await stores.admin.listAudit(user.id, query));
});
