import type { ConversationView } from "@/lib/client/conversations";
import type { Conversation } from "@/lib/chat/conversation-schemas";

/** A stored conversation as the browser receives it (the same JSON the API answers: ISO times). */
export function toConversationView(conversation: Conversation): ConversationView {
  return JSON.parse(JSON.stringify(conversation)) as ConversationView;
}
