import { setUserPlanSchema, userParamsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

type Params = { id: string };

/** Move the user to a plan: `{ planId, reason? }`. */
export const POST = withAdmin<Params>(async ({ request, params, user, stores }) => {
  const { id } = userParamsSchema.parse(await params);
  const body = setUserPlanSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.setUserPlan(user.id, id, body.planId, body.reason));
});
