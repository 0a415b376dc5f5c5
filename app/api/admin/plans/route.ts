import { updatePlanSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

export const dynamic = "force-dynamic";

/** Every plan: `{ plans }`. */
export const GET = withAdmin(async ({ user, stores }) => noStoreJson(await stores.admin.listPlans(user.id)));

/** Edit a plan: `{ id, displayName?, period?, tokenCap?, modelTiers?, maxOutputTokens?, reason? }`; the next request obeys. */
export const PATCH = withAdmin(async ({ request, user, stores }) => {
  const body = updatePlanSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.updatePlan(user.id, body));
});
