import { grantTokensSchema, userParamsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

type Params = { id: string };

/** Grant tokens to the user's balance: `{ tokens, reason }` (a 'grant' row in balance_ledger). */
export const POST = withAdmin<Params>(async ({ request, params, user, stores }) => {
  const { id } = userParamsSchema.parse(await params);
  const body = grantTokensSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.grantTokens(user.id, id, body.tokens, body.reason));
});
