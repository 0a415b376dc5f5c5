import { noStoreJson, withUser } from "@/lib/api/handler";
import { allowedModels } from "@/lib/metering/catalogue";

export const dynamic = "force-dynamic";

/** The models the signed-in user's plan allows. */
export const GET = withUser(async ({ user, stores }) => noStoreJson(allowedModels(await stores.metering.getModelCatalogue(user.id))));
