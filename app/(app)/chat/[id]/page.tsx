import { notFound } from "next/navigation";
import { ChatView } from "@/components/chat/chat-view";
import { getStores } from "@/lib/api/stores";
import { requirePageUser } from "@/lib/api/page-user";
import { conversationParamsSchema } from "@/lib/chat/conversation-schemas";
import { toConversationView } from "@/lib/chat/conversation-view";
import { AppError } from "@/lib/errors";

export const metadata = { title: "Chat" };

/** A stored conversation, reopened: its messages with their tokens, and the composer to go on. */
export default async function ConversationPage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = conversationParamsSchema.safeParse(await params);
  if (!parsed.success) notFound();
  const user = await requirePageUser(`/chat/${parsed.data.id}`);
  const conversation = await getStores()
    .conversations.getConversation(user.id, parsed.data.id)
    .catch((error: unknown) => {
      if (error instanceof AppError && error.code === "not_found") notFound();
      throw error;
    });
  const view = toConversationView(conversation);
  return <ChatView key={view.id} conversationId={view.id} title={view.title} initialMessages={view.messages} />;
}
