import type { UserIdentity } from "@/lib/db/rpc";
import { encodeUsageCursor } from "@/lib/usage/cursor";
import type { UsageHistoryQuery } from "@/lib/usage/query-schemas";
import type { UsageHistoryItem, UsageRangeBounds } from "@/lib/usage/schemas";
import type { UsageStore } from "@/lib/usage/store";

/** GET /api/usage/history's answer. `nextCursor` is null on the last page. */
export type UsageHistoryResponse = {
  items: UsageHistoryItem[];
  nextCursor: string | null;
  range: UsageRangeBounds;
};

/** One page of the user's history for the API: the store's page with its position as an opaque cursor. */
export async function getUsageHistory(store: UsageStore, identity: UserIdentity, query: UsageHistoryQuery): Promise<UsageHistoryResponse> {
  const page = await store.getHistoryPage(identity, { range: query.range, limit: query.limit, after: query.cursor?.position });
  return {
    items: page.items,
    nextCursor: page.next ? encodeUsageCursor({ range: query.range, position: page.next }) : null,
    range: page.range,
  };
}
