"use client";

import { CheckIcon, CopyIcon, RotateCcwIcon } from "lucide-react";
import { memo, useState } from "react";
import { Markdown } from "@/components/chat/markdown";
import { TokenLine } from "@/components/chat/token-line";
import { Button } from "@/components/ui/button";
import type { ChatMessage } from "@/lib/client/chat-messages";
import { describeError } from "@/lib/client/describe-error";
import { ApiError } from "@/lib/client/errors";
import { cn } from "@/lib/client/cn";

type Props = { message: ChatMessage; canRetry: boolean; onRetry: () => void };

/** One message. Memoised: while a reply streams, only the streaming message re-renders. */
export const MessageItem = memo(function MessageItem({ message, canRetry, onRetry }: Props) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(message.content);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard (permission denied): nothing was copied, so nothing is claimed.
    }
  };

  if (message.role === "user") {
    return (
      <li className="flex flex-col items-end gap-1" data-testid="message" data-role="user">
        <div className="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl bg-secondary px-4 py-2.5 text-[15px]">{message.content}</div>
        {message.state === "failed" && message.error ? <Failed prefix="Not sent" error={message.error} canRetry={canRetry} onRetry={onRetry} /> : null}
      </li>
    );
  }

  const streaming = message.state === "streaming";
  return (
    <li className="group flex flex-col gap-1.5" data-testid="message" data-role="assistant" data-state={message.state}>
      {message.content ? (
        <Markdown text={message.content} streaming={streaming} />
      ) : streaming ? (
        <p className="text-sm text-muted-foreground" aria-live="polite">
          <span className="inline-block animate-pulse">Thinking…</span>
        </p>
      ) : null}
      {message.state === "stopped" ? <p className="text-xs font-medium text-muted-foreground">Stopped. You were charged only for what arrived.</p> : null}
      {message.state === "failed" ? (
        <Failed error={message.error ?? { code: "upstream_unavailable", message: "The reply failed." }} canRetry={canRetry} onRetry={onRetry} />
      ) : null}
      {!streaming ? (
        <div className={cn("flex items-center gap-3")}>
          {message.usage ? <TokenLine usage={message.usage} /> : null}
          {message.content ? (
            <Button variant="ghost" size="icon-sm" onClick={() => void copy()} aria-label={copied ? "Copied" : "Copy reply"}>
              {copied ? <CheckIcon /> : <CopyIcon />}
            </Button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
});

/** Why a turn failed, in the words every error code has, with Retry when it is the last turn and retrying can help. */
function Failed({ error, prefix, canRetry, onRetry }: { error: NonNullable<ChatMessage["error"]>; prefix?: string; canRetry: boolean; onRetry: () => void }) {
  const shown = describeError(new ApiError(error.code, error.message));
  return (
    <div className="flex flex-wrap items-center justify-end gap-2 text-sm text-danger-foreground" role="alert" data-testid="turn-error" data-code={error.code}>
      <span>
        {prefix ? `${prefix}: ` : ""}
        {shown.description}
      </span>
      {canRetry && shown.retryable ? (
        <Button variant="outline" size="sm" onClick={onRetry}>
          <RotateCcwIcon aria-hidden="true" /> Retry
        </Button>
      ) : null}
    </div>
  );
}
