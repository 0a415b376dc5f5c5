"use client";

import { lazy, Suspense } from "react";

/**
 * The renderer (streamdown and its markdown stack, the biggest part of the chat's JavaScript) loads
 * with the first reply, not with the chat page; until it is there the text shows as it arrives.
 */
const MarkdownRenderer = lazy(() => import("@/components/chat/markdown-renderer"));

/** An assistant reply as markdown (code blocks, lists, tables), repaired mid-stream while it streams. */
export function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <div data-testid="reply-text">
      <Suspense fallback={<p className="whitespace-pre-wrap break-words text-[15px] leading-relaxed">{text}</p>}>
        <MarkdownRenderer text={text} streaming={streaming} />
      </Suspense>
    </div>
  );
}
