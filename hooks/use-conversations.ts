"use client";

import { useSWRConfig } from "swr";
import useSWRInfinite, { unstable_serialize } from "swr/infinite";
import { CONVERSATIONS_KEY, type ConversationPageView, type ConversationSummaryView } from "@/lib/client/conversations";
import { fetchJson } from "@/lib/client/fetch-json";

const PAGE_SIZE = 30;

function pageKey(index: number, previous: ConversationPageView | null): string | null {
  if (index === 0) return `${CONVERSATIONS_KEY}?limit=${PAGE_SIZE}`;
  if (!previous?.nextBefore) return null;
  return `${CONVERSATIONS_KEY}?limit=${PAGE_SIZE}&before=${encodeURIComponent(previous.nextBefore)}`;
}

/** The user's conversations, newest first, a page at a time. */
export function useConversations() {
  const { data, error, isLoading, size, setSize, mutate, isValidating } = useSWRInfinite<ConversationPageView>(pageKey, (url: string) =>
    fetchJson<ConversationPageView>(url),
  { revalidateFirstPage: true });
  const items: ConversationSummaryView[] = data?.flatMap((page) => page.items) ?? [];
  const hasMore = Boolean(data?.at(-1)?.nextBefore);
  return {
    items,
    error: error as Error | undefined,
    isLoading,
    isLoadingMore: isValidating && size > (data?.length ?? 0),
    hasMore,
    loadMore: () => setSize(size + 1),
    refresh: () => mutate(),
  };
}

/** Refetches the conversation list (a new conversation, a new title, a new order) from anywhere. */
export function useRefreshConversations() {
  const { mutate } = useSWRConfig();
  return () => mutate(unstable_serialize(pageKey));
}
