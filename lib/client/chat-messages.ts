import type { ErrorCode } from "@/lib/client/errors";
import type { MessageUsageView, StoredMessageView } from "@/lib/client/conversations";

/** A message as the chat pane holds it: stored, streaming, stopped by the user, or failed. */
export type ChatMessage = {
  key: string;
  role: "user" | "assistant";
  content: string;
  state: "done" | "streaming" | "stopped" | "failed";
  model?: string | null;
  requestId?: string | null;
  usage?: MessageUsageView | null;
  error?: { code: ErrorCode; message: string };
};

export function fromStoredMessages(messages: readonly StoredMessageView[]): ChatMessage[] {
  return messages
    .filter((m): m is StoredMessageView & { role: "user" | "assistant" } => m.role !== "system")
    .map((m) => ({
      key: `stored-${m.id}`,
      role: m.role,
      content: m.content,
      state: m.usage?.outcome === "aborted" ? "stopped" : m.usage?.outcome === "error" ? "failed" : "done",
      ...(m.usage?.outcome === "error" ? { error: { code: "upstream_unavailable" as const, message: "The model provider failed partway through this reply." } } : {}),
      model: m.model,
      requestId: m.requestId,
      usage: m.usage ?? null,
    }));
}

/**
 * What the server is sent as the conversation so far: turns with text. A user turn that was never sent
 * (refused before any token) is left out, except the last one, which is the one being sent or retried.
 */
export function toRequestMessages(messages: readonly ChatMessage[]): { role: "user" | "assistant"; content: string }[] {
  return messages
    .filter((m, i) => m.content.trim() !== "" && !(m.role === "user" && m.state === "failed" && i !== messages.length - 1))
    .map((m) => ({ role: m.role, content: m.content }));
}
