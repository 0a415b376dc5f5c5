"use client";

import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { ChatView } from "@/components/chat/chat-view";
import { NEW_CHAT_EVENT } from "@/lib/client/new-chat";

/**
 * A new chat. Its first reply moves the URL to /chat/<id> without a navigation (the stream must go
 * on), so Next keeps this page mounted; "New chat" (or going back to /chat) must then start afresh.
 */
export function NewChat() {
  const pathname = usePathname();
  const [generation, setGeneration] = useState(0);
  const [lastPath, setLastPath] = useState(pathname);
  if (pathname !== lastPath) {
    setLastPath(pathname);
    if (pathname === "/chat") setGeneration((g) => g + 1);
  }
  useEffect(() => {
    const restart = () => {
      if (window.location.pathname === "/chat") setGeneration((g) => g + 1);
    };
    window.addEventListener(NEW_CHAT_EVENT, restart);
    return () => window.removeEventListener(NEW_CHAT_EVENT, restart);
  }, []);
  return <ChatView key={generation} />;
}
