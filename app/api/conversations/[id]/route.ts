import { noStoreJson, withUser } from "@/lib/api/handler";
import { readJson } from "@/lib/api/read-json";
import { conversationParamsSchema, renameConversationSchema } from "@/lib/chat/conversation-schemas";

/** One of the signed-in user's conversations. Another user's id is 404, exactly like a missing one. */
type Params = { id: string };

/** The conversation with its messages, in order. */
export const GET = withUser<Params>(async ({ params, user, stores }) => {
  const { id } = conversationParamsSchema.parse(await params);
  return noStoreJson(await stores.conversations.getConversation(user.id, id));
});

/** Rename: `{ title }` (trimmed, 1..200 characters). Answers the conversation's summary. */
export const PATCH = withUser<Params>(async ({ request, params, user, stores }) => {
  const { id } = conversationParamsSchema.parse(await params);
  const { title } = renameConversationSchema.parse(await readJson(request));
  return noStoreJson(await stores.conversations.renameConversation(user.id, id, title));
});

/** Deletes the conversation and its messages: 204. */
export const DELETE = withUser<Params>(async ({ params, user, stores }) => {
  const { id } = conversationParamsSchema.parse(await params);
  await stores.conversations.deleteConversation(user.id, id);
  return new Response(null, { status: 204 });
});
