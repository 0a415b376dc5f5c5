import { noStoreJson, withUser } from "@/lib/api/handler";
import { listConversationsQuerySchema } from "@/lib/chat/conversation-schemas";

/** The signed-in user's conversations, newest first: GET ?limit=1..100&before=<nextBefore>. */
export const GET = withUser(async ({ request, user, stores }) => {
  const query = listConversationsQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return noStoreJson(await stores.conversations.listConversations(user.id, query));
});
