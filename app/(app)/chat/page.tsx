import { NewChat } from "@/components/chat/new-chat";

export const metadata = { title: "New chat" };

export default function NewChatPage() {
  return <NewChat />;
}
