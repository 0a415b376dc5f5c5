/** "New chat" was asked for: the new-chat pane starts afresh even when the URL is already /chat. */
export const NEW_CHAT_EVENT = "tokenmeter:new-chat";

export function startNewChat(): void {
  window.dispatchEvent(new Event(NEW_CHAT_EVENT));
}
