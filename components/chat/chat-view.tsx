"use client";

import { MessageSquareDashedIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { Composer } from "@/components/chat/composer";
import { MessageItem } from "@/components/chat/message-item";
import { BalanceBanner, HeldNotice, QuotaWall } from "@/components/chat/quota-notices";
import { useChatStream } from "@/hooks/use-chat-stream";
import { useRefreshConversations } from "@/hooks/use-conversations";
import { useModels } from "@/hooks/use-models";
import { useNow } from "@/hooks/use-now";
import { useSetTokenStatus, useTokenStatus } from "@/hooks/use-token-status";
import type { StoredMessageView } from "@/lib/client/conversations";
import { describeError } from "@/lib/client/describe-error";
import type { ApiError } from "@/lib/client/errors";
import { MIN_REPLY_TOKENS } from "@/lib/client/estimate-tokens";
import { spendableTokens } from "@/lib/client/token-status";

type Props = { conversationId?: string; title?: string; initialMessages?: StoredMessageView[] };

/** The chat pane: messages, the reply streaming in, and the composer (or why it cannot send). */
export function ChatView({ conversationId, title, initialMessages }: Props) {
  const router = useRouter();
  const refreshConversations = useRefreshConversations();
  const setStatus = useSetTokenStatus();
  const { status } = useTokenStatus();
  const [announcement, setAnnouncement] = useState("");
  const { models, model, choose, maxOutputTokens, refresh: refreshModels } = useModels();
  const now = useNow();

  // A refused turn is shown inline under the user's message (with Retry when it can help); here only
  // what follows from it: back to sign-in, a fresh model list, a fresh status.
  const onError = useCallback(
    (error: ApiError) => {
      if (describeError(error).display === "sign-in") {
        router.push(`/sign-in?next=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      if (error.code === "model_not_allowed") void refreshModels();
      if (error.code === "quota_exceeded" || error.code === "quota_held") void setStatus(null);
    },
    [router, refreshModels, setStatus],
  );

  const chat = useChatStream({
    conversationId,
    initialMessages,
    onConversation: (id) => {
      // The URL follows the new conversation without remounting this pane (the stream keeps going),
      // unless the user has already gone elsewhere.
      if (window.location.pathname === "/chat") window.history.replaceState(null, "", `/chat/${id}`);
      void refreshConversations();
    },
    onStatus: (next) => {
      if (next) setAnnouncement(`Reply finished. ${next.remaining} tokens left.`);
      void setStatus(next);
      void refreshConversations();
    },
    onError,
  });

  // Stable callbacks: earlier messages are memoised and must not re-render on every delta.
  const { send: sendTurn, retry: retryTurn } = chat;
  const send = useCallback((text: string) => model && sendTurn(text, model), [sendTurn, model]);
  const retry = useCallback(() => model && retryTurn(model), [retryTurn, model]);

  // Keep the newest message in view while it streams, unless the user scrolled up to read.
  const list = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const last = chat.messages.at(-1);
  useEffect(() => {
    const el = list.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [chat.messages.length, last?.content.length]);

  // Spent (nothing of the allowance or balance left) is not the same as held by replies in progress.
  const exhausted = status ? spendableTokens(status) < MIN_REPLY_TOKENS && !chat.streaming : false;
  const held = status ? !exhausted && status.remaining < MIN_REPLY_TOKENS && status.held > 0 : false;
  const onBalance = status ? status.used >= status.cap && status.balance > 0 : false;
  const lastFailed = [...chat.messages].reverse().find((m) => m.state === "failed");

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <h1 className="sr-only">{title ?? "New chat"}</h1>
      <div
        ref={list}
        className="min-h-0 flex-1 overflow-y-auto"
        onScroll={(event) => {
          const el = event.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        <div className="mx-auto w-full max-w-3xl px-4 py-6">
          {chat.messages.length === 0 ? (
            <div className="flex flex-col items-center gap-2 py-20 text-center text-muted-foreground" data-testid="empty-chat">
              <MessageSquareDashedIcon className="size-8" aria-hidden="true" />
              <p className="text-lg font-medium text-foreground">What can I help with?</p>
              <p className="text-sm">Every reply shows the tokens it used; your allowance is in the sidebar.</p>
            </div>
          ) : (
            <ol className="space-y-6" aria-label="Messages" data-testid="messages">
              {chat.messages.map((message) => (
                <MessageItem key={message.key} message={message} canRetry={message === lastFailed && !chat.streaming && message === last} onRetry={retry} />
              ))}
            </ol>
          )}
        </div>
      </div>
      <div className="mx-auto w-full max-w-3xl space-y-2 px-4 pb-4">
        <p className="sr-only" role="status" aria-live="polite">
          {announcement}
        </p>
        {onBalance && !exhausted && status ? <BalanceBanner status={status} /> : null}
        {held && status ? <HeldNotice status={status} /> : null}
        {exhausted && status ? <QuotaWall status={status} now={now} /> : null}
        {/* Hidden, not unmounted, behind the wall: the draft survives until the allowance comes back. */}
        <div hidden={exhausted}>
          <Composer
            history={chat.messages}
            remaining={status?.remaining ?? null}
            maxOutputTokens={maxOutputTokens}
            models={models}
            model={model}
            onModelChange={choose}
            streaming={chat.streaming}
            onSend={send}
            onStop={chat.stop}
          />
        </div>
      </div>
    </div>
  );
}
