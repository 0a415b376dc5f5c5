import { getUserQuerySchema, userParamsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { searchParamsOf } from "@/lib/usage/query-schemas";

export const dynamic = "force-dynamic";

type Params = { id: string };

/** One user: plan, usage this period, balance, held, and the most recent balance ledger and usage rows (?limit=1..100, 20). */
export const GET = withAdmin<Params>(async ({ request, params, user, stores }) => {
  const { id } = userParamsSchema.parse(await params);
  const { limit } = getUserQuerySchema.parse(searchParamsOf(request));
  return noStoreJson(await stores.admin.getUser(user.id, id, limit));
});
