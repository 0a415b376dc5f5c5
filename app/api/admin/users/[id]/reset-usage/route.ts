import { resetUsageSchema, userParamsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

type Params = { id: string };

/** Forgive this period's plan usage: `{ reason }` (required). The usage history is kept. */
export const POST = withAdmin<Params>(async ({ request, params, user, stores }) => {
  const { id } = userParamsSchema.parse(await params);
  const body = resetUsageSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.resetUsage(user.id, id, body.reason));
});
