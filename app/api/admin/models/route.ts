import { updateModelSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

export const dynamic = "force-dynamic";

/** The whole model catalogue, disabled models included: `{ models }`. */
export const GET = withAdmin(async ({ user, stores }) => noStoreJson(await stores.admin.listModels(user.id)));

/** Edit a model: `{ id, displayName?, enabled?, tier?, inputPricePerMtok?, outputPricePerMtok?, contextWindow?, promptTokenFactor?, reason? }`. */
export const PATCH = withAdmin(async ({ request, user, stores }) => {
  const body = updateModelSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.updateModel(user.id, body));
});
