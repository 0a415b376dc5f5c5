import { csvLine, plainDecimal } from "@/lib/client/csv";
import type { UsageHistoryItem } from "@/lib/usage/schemas";

/**
 * CSV (RFC 4180) of usage history rows: the history's columns, ISO times in UTC, CRLF line ends, a
 * field quoted when it holds a comma, a double quote or a line break (quotes doubled inside).
 */
export const USAGE_CSV_COLUMNS = [
  "time",
  "model",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cost_usd",
  "outcome",
  "conversation_id",
  "request_id",
] as const;

export function usageCsvHeader(): string {
  return csvLine(USAGE_CSV_COLUMNS);
}

export function usageCsvRows(items: readonly UsageHistoryItem[]): string {
  let out = "";
  for (const item of items) {
    out += csvLine([
      item.createdAt,
      item.model,
      String(item.inputTokens),
      String(item.outputTokens),
      String(item.totalTokens),
      item.costUsd === null ? "" : plainDecimal(item.costUsd),
      item.outcome,
      item.conversationId ?? "",
      item.requestId,
    ]);
  }
  return out;
}
