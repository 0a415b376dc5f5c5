import { requireUser } from "@/lib/auth/get-user";
import { getRpc } from "@/lib/db/get-rpc";
import { errorResponse } from "@/lib/http";
import { listAllowedModels } from "@/lib/llm/catalogue";

export const dynamic = "force-dynamic";

/** The models the signed-in user's plan allows. */
export async function GET(request: Request) {
  try {
    const user = await requireUser(request);
    return Response.json(await listAllowedModels(getRpc(), user.id), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
