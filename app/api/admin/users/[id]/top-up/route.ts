import { topUpSchema, userParamsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

type Params = { id: string };

/** Credit a payment: `{ tokens, paymentRef, reason? }`. A reference already applied is 409 `conflict` and changes nothing. */
export const POST = withAdmin<Params>(async ({ request, params, user, stores }) => {
  const { id } = userParamsSchema.parse(await params);
  const body = topUpSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.topUp(user.id, id, body.tokens, body.paymentRef, body.reason));
});
