"use client";

import type { ReactNode } from "react";
import { DataState } from "@/components/admin/data-state";
import { Button } from "@/components/ui/button";
import type { CursorPages } from "@/hooks/use-cursor-pages";

/** A keyset-paged list's states (loading, error, empty) and its "Load more" button. */
export function PagedData<T>({ what, pages, empty, moreTestId, children }: { what: string; pages: CursorPages<T>; empty: ReactNode; moreTestId: string; children: (items: T[]) => ReactNode }) {
  return (
    <DataState what={what} data={pages.isLoading ? undefined : pages.items} error={pages.error} onRetry={() => void pages.refresh()} isEmpty={(items) => items.length === 0} empty={empty}>
      {(items) => (
        <>
          {children(items)}
          {pages.hasMore ? (
            <Button variant="outline" size="sm" disabled={pages.isLoadingMore} onClick={() => void pages.loadMore()} data-testid={moreTestId}>
              {pages.isLoadingMore ? "Loading…" : "Load more"}
            </Button>
          ) : null}
        </>
      )}
    </DataState>
  );
}
