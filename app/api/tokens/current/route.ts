import { identityOf } from "@/lib/auth/user";
import { noStoreJson, withUser } from "@/lib/api/handler";
import { toTokenStatusView } from "@/lib/metering/token-status-view";

export const dynamic = "force-dynamic";

/** The signed-in user's allowance, read under their own Row Level Security. */
export const GET = withUser(async ({ user, stores }) =>
  noStoreJson(toTokenStatusView(await stores.metering.getMyTokenStatus(identityOf(user)))),
);
