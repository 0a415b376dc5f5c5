import { withQuery } from "@/lib/client/admin";
import { addUtcDays, utcToday } from "@/lib/client/utc-dates";

/**
 * GET /api/admin/analytics?view=daily|models|users|spikes&from=YYYY-MM-DD&to=YYYY-MM-DD&limit=N as
 * the browser receives it (from and to are UTC days, both counted; limit is for `users` only), and
 * its CSV twin /api/admin/analytics/export.csv with the same query.
 */
export const analyticsViews = ["daily", "models", "users", "spikes"] as const;
export type AnalyticsView = (typeof analyticsViews)[number];

export type AnalyticsTotals = { requests: number; inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number };

type Figures = AnalyticsTotals;

export type DailyAnalytics = { view: "daily"; from: string; to: string; totals: AnalyticsTotals; rows: (Figures & { day: string })[] };
export type ModelAnalytics = { view: "models"; from: string; to: string; totals: AnalyticsTotals; rows: (Figures & { model: string })[] };
export type UserAnalytics = { view: "users"; from: string; to: string; totals: AnalyticsTotals; rows: (Figures & { userId: string })[] };
export type SpikeAnalytics = {
  view: "spikes";
  day: string;
  rows: { userId: string; todayCostUsd: number; todayTokens: number; averageDailyCostUsd: number; ratio: number | null }[];
};

export type AnalyticsRange = { from: string; to: string };

export const ANALYTICS_PRESETS = [
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
] as const;

/** The last `days` UTC days, today included. */
export function lastDays(days: number, now: Date = new Date()): AnalyticsRange {
  const to = utcToday(now);
  return { from: addUtcDays(to, -(days - 1)), to };
}

export const USERS_LIMIT = 50;

export function analyticsUrl(view: AnalyticsView, range: AnalyticsRange): string {
  return withQuery("/api/admin/analytics", { view, from: range.from, to: range.to, limit: view === "users" ? USERS_LIMIT : undefined });
}

export function analyticsCsvUrl(view: AnalyticsView, range: AnalyticsRange): string {
  return withQuery("/api/admin/analytics/export.csv", { view, from: range.from, to: range.to, limit: view === "users" ? USERS_LIMIT : undefined });
}
