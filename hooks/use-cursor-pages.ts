"use client";

import useSWRInfinite from "swr/infinite";
import { withQuery } from "@/lib/client/admin";
import { fetchJson } from "@/lib/client/fetch-json";

type Page<T> = { items: T[]; nextCursor: string | number | null };

/**
 * A keyset-paged list (`?…&cursor=<the previous page's nextCursor>`), newest first: the items so far
 * and "Load more". A change of `params` starts again from the first page.
 */
export function useCursorPages<T>(path: string, params: Record<string, string | number | undefined>) {
  const { data, error, isLoading, isValidating, size, setSize, mutate } = useSWRInfinite<Page<T>>(
    (index, previous: Page<T> | null) => {
      if (index > 0 && previous?.nextCursor == null) return null;
      return withQuery(path, { ...params, cursor: index === 0 ? undefined : previous!.nextCursor! });
    },
    (url: string) => fetchJson<Page<T>>(url),
    { revalidateFirstPage: true },
  );
  return {
    items: data?.flatMap((page) => page.items) ?? [],
    error: error as Error | undefined,
    isLoading,
    isLoadingMore: isValidating && size > (data?.length ?? 0),
    hasMore: data?.at(-1)?.nextCursor != null,
    loadMore: () => setSize(size + 1),
    refresh: () => mutate(),
  };
}

export type CursorPages<T> = ReturnType<typeof useCursorPages<T>>;
