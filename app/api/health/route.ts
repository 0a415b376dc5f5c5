import { checkHealth } from "@/lib/api/health";
import { noStoreJson, withRoute } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

export const GET = withRoute(async ({ stores }) => {
  const health = await checkHealth(stores);
  return noStoreJson(health, { status: health.status === "ok" ? 200 : 503 });
});
