"use client";

import { useCallback, useState } from "react";
import useSWR, { useSWRConfig } from "swr";
import { ApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";
import type { TokenStatusView } from "@/lib/client/token-status";

export const TOKEN_STATUS_KEY = "/api/tokens/current";
/** Poll every 30 s while the tab is visible; SWR pauses while it is hidden and refetches on return. */
export const TOKEN_STATUS_REFRESH_MS = 30_000;

/**
 * The signed-in user's allowance. The server is the authority: after each reply the chat puts the
 * `done` event's status here (setTokenStatus). Only the gauge polls (`poll`); other readers share its
 * cache, so a tab makes one request per 30 s.
 */
export function useTokenStatus({ poll = false }: { poll?: boolean } = {}) {
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const { data, error, isLoading, mutate } = useSWR<TokenStatusView>(TOKEN_STATUS_KEY, (url: string) => fetchJson<TokenStatusView>(url), {
    refreshInterval: poll ? TOKEN_STATUS_REFRESH_MS : 0,
    refreshWhenHidden: false,
    refreshWhenOffline: false,
    revalidateOnFocus: poll,
    revalidateOnReconnect: poll,
    keepPreviousData: true,
    dedupingInterval: 2_000,
    // SWR pauses the interval while a key holds an error: a failed poll is retried on the same 30 s
    // rhythm (only while the tab is visible) and the gauge keeps the last value, marked stale.
    onErrorRetry: (err, _key, _config, revalidate, { retryCount }) => {
      if (!poll || (err instanceof ApiError && err.code === "unauthorized")) return;
      setTimeout(() => {
        if (document.visibilityState !== "hidden") void revalidate({ retryCount });
      }, TOKEN_STATUS_REFRESH_MS);
    },
    onSuccess: () => setUpdatedAt(new Date()),
  });
  return { status: data, error: error as Error | undefined, updatedAt, isLoading, refresh: () => mutate() };
}

/** Puts a status the server just answered (the chat's `done` event) into the shared cache, or refetches. */
export function useSetTokenStatus() {
  const { mutate } = useSWRConfig();
  return useCallback(
    (status?: TokenStatusView | null) =>
      status
        ? // The done status carries no balance expiry: keep the one last read until the next poll.
          mutate(TOKEN_STATUS_KEY, (previous?: TokenStatusView) => ({ balanceExpiresAt: previous?.balanceExpiresAt, ...status }), { revalidate: false })
        : mutate(TOKEN_STATUS_KEY),
    [mutate],
  );
}
