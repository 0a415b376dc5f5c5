import { identityOf } from "@/lib/auth/user";
import { noStoreJson, withUser } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";
import { acknowledgeAlertsSchema } from "@/lib/metering/schemas";
import { toTokenStatusView } from "@/lib/metering/token-status-view";

export const dynamic = "force-dynamic";

/**
 * The signed-in user has seen these warnings: `{ thresholds: (80 | 95)[] }`. Marks them acknowledged
 * for the current period (idempotent) and answers the token-status view, whose `alerts` no longer
 * carry them, on any tab or device.
 */
export const POST = withUser(async ({ request, user, stores }) => {
  const { thresholds } = acknowledgeAlertsSchema.parse(await readJson(request));
  return noStoreJson(toTokenStatusView(await stores.metering.acknowledgeMyAlerts(identityOf(user), thresholds)));
});
