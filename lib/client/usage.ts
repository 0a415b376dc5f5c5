/** The usage routes' JSON as the browser receives it (lib/usage on the server). */
export const usageRanges = ["period", "7d", "30d"] as const;
export type UsageRange = (typeof usageRanges)[number];

export const usageRangeLabels: Record<UsageRange, string> = { period: "This period", "7d": "7 days", "30d": "30 days" };

export type UsageHistoryItemView = {
  createdAt: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number | null;
  outcome: "ok" | "aborted" | "error";
  conversationId: string | null;
  requestId: string;
};

export type UsageHistoryView = { items: UsageHistoryItemView[]; nextCursor: string | null; range: { from: string; to: string } };

export type UsageDailyView = {
  days: { date: string; byModel: Record<string, { tokens: number; requests: number; costUsd: number }>; totalTokens: number; requests: number; costUsd: number }[];
  models: string[];
};

export type UsageByModelView = { model: string; requests: number; inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number }[];
