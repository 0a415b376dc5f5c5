import { expireBalancesSchema } from "@/lib/admin/schemas";
import { noStoreJson, withAdmin } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";

export const dynamic = "force-dynamic";

/**
 * Runs the balance expiry now (app_settings.balance_expiry_days; nothing when unset): POST `{ reason? }`.
 * The same SQL function a scheduler runs (pg_cron on Supabase, README "Admin"); audited.
 */
export const POST = withAdmin(async ({ request, user, stores }) => {
  const { reason } = expireBalancesSchema.parse(await readJson(request));
  return noStoreJson(await stores.admin.expireBalances(user.id, reason));
});
