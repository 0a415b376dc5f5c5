import { csvResponse } from "@/lib/client/csv";
import type { UserIdentity } from "@/lib/db/rpc";
import { usageCsvHeader, usageCsvRows } from "@/lib/usage/csv";
import type { UsageRange, UsageRangeBounds } from "@/lib/usage/schemas";
import type { UsageStore } from "@/lib/usage/store";

/**
 * The CSV export of a user's usage history, streamed: the first page is read before the answer starts
 * (so a failure is still a proper error status and the file name knows the range), then one page per
 * pull, by keyset, as the client reads. At most a page or two is ever in memory, whatever the size of
 * the export, and nothing more is read once the client goes away (the stream is cancelled).
 */
export const USAGE_EXPORT_PAGE_SIZE = 1000;

export type UsageCsvExport = { filename: string; stream: ReadableStream<Uint8Array> };

export type UsageCsvExportOptions = {
  /** Rows per SQL call (1..1000). */
  pageSize?: number;
};

export async function startUsageCsvExport(
  store: UsageStore,
  identity: UserIdentity,
  range: UsageRange,
  options: UsageCsvExportOptions = {},
): Promise<UsageCsvExport> {
  const limit = options.pageSize ?? USAGE_EXPORT_PAGE_SIZE;
  const encoder = new TextEncoder();
  const first = await store.getHistoryPage(identity, { range, limit });
  const filename = usageCsvFilename(first.range);
  let next = first.next;
  let firstChunk: string | null = usageCsvHeader() + usageCsvRows(first.items);
  let cancelled = false;

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(firstChunk!));
      firstChunk = null;
      if (!next) controller.close();
    },
    // Called only when the reader wants more (the queue holds at most one page ahead).
    async pull(controller) {
      if (!next || cancelled) return;
      let page;
      try {
        page = await store.getHistoryPage(identity, { range, limit, after: next });
      } catch (error) {
        // The status line has gone out: all that is left is to cut the download short (and say why here).
        console.error("[usage] CSV export failed mid-stream:", error);
        throw error;
      }
      if (cancelled) return;
      next = page.next;
      if (page.items.length > 0) controller.enqueue(encoder.encode(usageCsvRows(page.items)));
      if (!next) controller.close();
    },
    cancel() {
      cancelled = true;
      next = null;
    },
  });

  return { filename, stream };
}

/** `tokenmeter-usage-<from>-<to>.csv`, the range's UTC dates, e.g. tokenmeter-usage-2026-11-02-2026-12-02.csv. */
export function usageCsvFilename(range: UsageRangeBounds): string {
  return `tokenmeter-usage-${range.from.slice(0, 10)}-${range.to.slice(0, 10)}.csv`;
}

/** The download: a CSV attachment that no cache keeps. */
export function usageCsvResponse(csv: UsageCsvExport): Response {
  return csvResponse(csv.filename, csv.stream);
}
