import { updateSettingsSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

export const dynamic = "force-dynamic";

/** The server settings (app_settings): `{ settings }`. */
export const GET = withAdmin(async ({ user, stores }) => noStoreJson(await stores.admin.getSettings(user.id)));

/** Edit settings: `{ starterBalance?, holdTtlSeconds?, balanceExpiryDays? (null: never), reason? }`. */
export const PATCH = withAdmin(async ({ request, user, stores }) => {
  const body = updateSettingsSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.updateSettings(user.id, body));
});
