import { Skeleton } from "@/components/ui/skeleton";

/** While a conversation or the usage page loads: the pane's shape, so nothing jumps when it arrives. */
export default function Loading() {
  return (
    <div className="mx-auto w-full max-w-3xl flex-1 space-y-6 px-4 py-6" aria-busy="true" aria-label="Loading">
      <Skeleton className="ml-auto h-10 w-2/3 rounded-2xl" />
      <div className="space-y-2">
        <Skeleton className="h-4 w-full" />
        <Skeleton className="h-4 w-11/12" />
        <Skeleton className="h-4 w-3/4" />
      </div>
    </div>
  );
}
