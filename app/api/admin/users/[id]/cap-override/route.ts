import { setCapOverrideSchema, userParamsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

type Params = { id: string };

/** Set (`{ cap: n }`) or clear (`{ cap: null }`) the user's cap override, with an optional reason. */
export const POST = withAdmin<Params>(async ({ request, params, user, stores }) => {
  const { id } = userParamsSchema.parse(await params);
  const body = setCapOverrideSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.setCapOverride(user.id, id, body.cap, body.reason));
});
