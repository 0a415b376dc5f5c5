"use client";

import { AlertTriangleIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";

type Props<T> = {
  /** What is loading, for people: "plans", "the audit log". */
  what: string;
  data: T | undefined;
  error: Error | undefined;
  onRetry?: () => void;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  /** The loading shape; a few table rows by default. */
  skeleton?: ReactNode;
  children: (data: T) => ReactNode;
};

/** One view's loading, error (the API's message, never a stack), empty and loaded states. */
export function DataState<T>({ what, data, error, onRetry, isEmpty, empty, skeleton, children }: Props<T>) {
  if (data === undefined && error) return <LoadError what={what} error={error} onRetry={onRetry} />;
  if (data === undefined) {
    return (
      <div aria-busy="true" aria-label={`Loading ${what}`} data-testid="loading">
        {skeleton ?? <TableSkeleton />}
      </div>
    );
  }
  if (isEmpty?.(data)) return <EmptyState>{empty ?? `No ${what} yet.`}</EmptyState>;
  return <>{children(data)}</>;
}

export function LoadError({ what, error, onRetry }: { what: string; error: Error; onRetry?: () => void }) {
  return (
    <Alert variant="danger" data-testid="load-error">
      <AlertTriangleIcon aria-hidden="true" />
      <AlertTitle>Could not load {what}</AlertTitle>
      <AlertDescription>
        <p>{error.message}</p>
        {onRetry ? (
          <Button variant="outline" size="sm" className="mt-2" onClick={onRetry}>
            Try again
          </Button>
        ) : null}
      </AlertDescription>
    </Alert>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <p className="rounded-lg border border-dashed px-4 py-8 text-center text-sm text-muted-foreground" data-testid="empty">
      {children}
    </p>
  );
}

export function TableSkeleton({ rows = 4 }: { rows?: number }) {
  return (
    <div className="space-y-2">
      <Skeleton className="h-8 w-full" />
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="h-10 w-full" />
      ))}
    </div>
  );
}
