import { requireUser } from "@/lib/auth/get-user";
import { deleteConversation, getConversation, renameConversation } from "@/lib/chat/conversations";
import { conversationParamsSchema, renameConversationSchema } from "@/lib/chat/schemas";
import { errorResponse, readJson } from "@/lib/http";

/** One of the signed-in user's conversations. Another user's id is 404, exactly like a missing one. */
type Context = { params: Promise<{ id: string }> };

/** The conversation with its messages, in order. */
export async function GET(request: Request, { params }: Context) {
  try {
    const user = await requireUser(request);
    const { id } = conversationParamsSchema.parse(await params);
    const conversation = await getConversation(user.id, id);
    return Response.json(conversation, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}

/** Rename: `{ title }` (trimmed, 1..200 characters). Answers the conversation's summary. */
export async function PATCH(request: Request, { params }: Context) {
  try {
    const user = await requireUser(request);
    const { id } = conversationParamsSchema.parse(await params);
    const { title } = renameConversationSchema.parse(await readJson(request));
    const conversation = await renameConversation(user.id, id, title);
    return Response.json(conversation, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}

/** Deletes the conversation and its messages: 204. */
export async function DELETE(request: Request, { params }: Context) {
  try {
    const user = await requireUser(request);
    const { id } = conversationParamsSchema.parse(await params);
    await deleteConversation(user.id, id);
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error);
  }
}
