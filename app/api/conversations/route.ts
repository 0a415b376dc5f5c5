import { requireUser } from "@/lib/auth/get-user";
import { listConversations } from "@/lib/chat/conversations";
import { listConversationsQuerySchema } from "@/lib/chat/schemas";
import { errorResponse } from "@/lib/http";

/** The signed-in user's conversations, newest first: GET ?limit=1..100&before=<nextBefore>. */
export async function GET(request: Request) {
  try {
    const user = await requireUser(request);
    const query = listConversationsQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
    const page = await listConversations(user.id, query);
    return Response.json(page, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
