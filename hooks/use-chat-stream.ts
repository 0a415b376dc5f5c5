"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { ChatEvent } from "@/lib/client/chat-events";
import { fromStoredMessages, toRequestMessages, type ChatMessage } from "@/lib/client/chat-messages";
import type { ConversationView, StoredMessageView } from "@/lib/client/conversations";
import { ApiError, toApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";
import { readChatEvents } from "@/lib/client/read-chat-events";
import type { TokenStatusView } from "@/lib/client/token-status";

export type ChatStreamOptions = {
  conversationId?: string;
  initialMessages?: readonly StoredMessageView[];
  /** A new conversation got its id (the first `start` event). */
  onConversation?: (conversationId: string) => void;
  /** The server's status after a reply was settled, or null when the client should refetch it. */
  onStatus?: (status: TokenStatusView | null) => void;
  /** A request refused before any token (HTTP error): the UI presents it. */
  onError?: (error: ApiError) => void;
};

let counter = 0;
const newKey = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/**
 * The chat pane's state and the one way it talks to POST /api/chat: sends a turn, streams the
 * NDJSON events into the last message (deltas are painted once per animation frame, and at once on
 * `done`), stops, and retries a failed turn. Earlier messages keep their identity, so they do not
 * re-render while a reply streams.
 */
export function useChatStream(options: ChatStreamOptions) {
  const [messages, setMessages] = useState<ChatMessage[]>(() => fromStoredMessages(options.initialMessages ?? []));
  const [streaming, setStreaming] = useState(false);
  const conversationId = useRef(options.conversationId);
  const controller = useRef<AbortController | null>(null);
  const callbacks = useRef(options);
  const messagesRef = useRef(messages);
  const mounted = useRef(true);
  useEffect(() => {
    callbacks.current = options;
    messagesRef.current = messages;
  });
  // Leaving the pane ends its reply: the server settles what was streamed, and no late event lands on another page.
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      controller.current?.abort();
    };
  }, []);

  const update = useCallback((key: string, change: (message: ChatMessage) => ChatMessage) => {
    setMessages((current) => current.map((m) => (m.key === key ? change(m) : m)));
  }, []);

  /**
   * After a stop the server settles what was streamed once it sees the abort: refetch the status and the
   * stored reply (0.5, 1, 2, 4 s apart) until the reply's usage is there.
   */
  const refreshAfterStop = useCallback(async (replyKey: string) => {
    for (const delay of [500, 1_000, 2_000, 4_000]) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (!mounted.current || !conversationId.current) return;
      callbacks.current.onStatus?.(null);
      try {
        const conversation = await fetchJson<ConversationView>(`/api/conversations/${conversationId.current}`);
        const reply = messagesRef.current.find((m) => m.key === replyKey);
        const stored = reply?.requestId ? conversation.messages.find((m) => m.role === "assistant" && m.requestId === reply.requestId) : undefined;
        if (stored?.usage && mounted.current) {
          const usage = stored.usage;
          setMessages((current) => current.map((m) => (m.key === replyKey ? { ...m, usage } : m)));
          callbacks.current.onStatus?.(null);
          return;
        }
      } catch {
        // Try again; the usage page has it in any case.
      }
    }
  }, []);

  const run = useCallback(
    async (history: ChatMessage[], model: string) => {
      const replyKey = newKey("assistant");
      setMessages([...history, { key: replyKey, role: "assistant", content: "", state: "streaming", model }]);
      setStreaming(true);
      const abort = new AbortController();
      controller.current = abort;
      let pending = "";
      let frame: number | null = null;
      const flush = () => {
        frame = null;
        if (!pending) return;
        const text = pending;
        pending = "";
        update(replyKey, (m) => ({ ...m, content: m.content + text }));
      };
      let finished = false;
      try {
        const response = await fetch("/api/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ model, messages: toRequestMessages(history), ...(conversationId.current ? { conversationId: conversationId.current } : {}) }),
          signal: abort.signal,
        });
        if (!response.ok || !response.body) {
          const error = toApiError(await response.json().catch(() => null), response.status);
          // Refused before any token: nothing was charged; the user's turn stays, marked failed, to retry.
          setMessages((current) =>
            current
              .filter((m) => m.key !== replyKey)
              .map((m, i, all) => (i === all.length - 1 && m.role === "user" ? { ...m, state: "failed", error: { code: error.code, message: error.message } } : m)),
          );
          callbacks.current.onError?.(error);
          return;
        }
        for await (const event of readChatEvents(response.body)) {
          handle(event);
        }
        if (!finished) {
          flush();
          update(replyKey, (m) => ({ ...m, state: "failed", error: m.error ?? { code: "upstream_unavailable", message: "The connection ended before the reply finished." } }));
          callbacks.current.onStatus?.(null);
        }
      } catch (caught) {
        if (frame !== null) cancelAnimationFrame(frame);
        flush();
        if (abort.signal.aborted) {
          if (!mounted.current) return;
          update(replyKey, (m) => ({ ...m, state: "stopped" }));
          void refreshAfterStop(replyKey);
        } else {
          const error = caught instanceof ApiError ? caught : new ApiError("unavailable", "The connection to Tokenmeter was lost.");
          update(replyKey, (m) => ({ ...m, state: "failed", error: { code: error.code, message: error.message } }));
          callbacks.current.onStatus?.(null);
        }
      } finally {
        controller.current = null;
        if (mounted.current) setStreaming(false);
      }

      function handle(event: ChatEvent) {
        switch (event.type) {
          case "start":
            update(replyKey, (m) => ({ ...m, requestId: event.requestId }));
            if (!conversationId.current) {
              conversationId.current = event.conversationId;
              if (mounted.current) callbacks.current.onConversation?.(event.conversationId);
            }
            break;
          case "delta":
            pending += event.text;
            frame ??= requestAnimationFrame(flush);
            break;
          case "error":
            update(replyKey, (m) => ({ ...m, error: event.error }));
            break;
          case "done":
            finished = true;
            if (frame !== null) cancelAnimationFrame(frame);
            flush();
            update(replyKey, (m) => ({
              ...m,
              state: event.outcome === "ok" ? "done" : event.outcome === "aborted" ? "stopped" : "failed",
              usage: { ...event.usage, outcome: event.outcome, ...(event.recorded ? {} : { pending: true }) },
            }));
            callbacks.current.onStatus?.(event.status);
            break;
        }
      }
    },
    [update, refreshAfterStop],
  );

  const send = useCallback(
    (text: string, model: string) => {
      if (controller.current) return;
      const user: ChatMessage = { key: newKey("user"), role: "user", content: text, state: "done" };
      void run([...messagesRef.current, user], model);
    },
    [run],
  );

  /** Tries a failed turn again: the last user message is sent once more, its failed reply dropped. */
  const retry = useCallback(
    (model: string) => {
      if (controller.current) return;
      const current = messagesRef.current;
      const lastUser = current.findLastIndex((m) => m.role === "user");
      if (lastUser < 0) return;
      const history = current.slice(0, lastUser + 1).map((m, i) => (i === lastUser ? { ...m, state: "done" as const, error: undefined } : m));
      void run(history, model);
    },
    [run],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  return { messages, streaming, send, stop, retry };
}
