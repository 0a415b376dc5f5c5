import { z } from "zod";
import { csvLine, plainDecimal } from "@/lib/client/csv";

/**
 * Admin analytics (GET /api/admin/analytics and its CSV export): the query, the SQL function's
 * result as camelCase, and the CSV of each view. The numbers come from the ledger's daily rollups
 * (supabase/migrations/20261202060000_create_usage_daily.sql).
 */
export const analyticsViews = ["daily", "models", "users", "spikes"] as const;
export type AnalyticsView = (typeof analyticsViews)[number];

const DAY_MS = 86_400_000;
/** The default range: the 30 UTC days up to and including today. */
export const DEFAULT_ANALYTICS_DAYS = 30;

const isoDay = z
  .string("must be a date")
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), "must be a real date");

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * `?view=daily|models|users|spikes&from=YYYY-MM-DD&to=YYYY-MM-DD&limit=1..1000` (UTC days, both
 * inclusive, at most 366; default the last 30 days). `now` fixes "today" for the defaults.
 */
export function analyticsQuerySchema(now: Date) {
  return z
    .object({
      view: z.enum(analyticsViews, "must be daily, models, users or spikes"),
      from: isoDay.optional(),
      to: isoDay.optional(),
      limit: z.coerce.number("must be a number").int("must be an integer").min(1, "must be at least 1").max(1000, "must be at most 1000").default(50),
    })
    .transform(({ view, from, to, limit }) => {
      const end = to ?? utcDay(now);
      const start = from ?? utcDay(new Date(Date.parse(`${end}T00:00:00Z`) - (DEFAULT_ANALYTICS_DAYS - 1) * DAY_MS));
      return { view, from: start, to: end, limit };
    })
    .superRefine(({ from, to }, ctx) => {
      const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS;
      if (days < 0) ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
      else if (days > 365) ctx.addIssue({ code: "custom", path: ["from"], message: "the range must be at most 366 days" });
    });
}
export type AnalyticsQuery = z.output<ReturnType<typeof analyticsQuerySchema>>;

const count = z.union([z.number(), z.string()]).transform(Number);
const sums = {
  requests: count,
  input_tokens: count,
  output_tokens: count,
  total_tokens: count,
  cost_usd: count,
};
type Sums = { requests: number; input_tokens: number; output_tokens: number; total_tokens: number; cost_usd: number };
const camelSums = (raw: Sums) => ({
  requests: raw.requests,
  inputTokens: raw.input_tokens,
  outputTokens: raw.output_tokens,
  totalTokens: raw.total_tokens,
  costUsd: raw.cost_usd,
});
export type AnalyticsSums = ReturnType<typeof camelSums>;

const rangeShape = { from: z.string(), to: z.string(), totals: z.object(sums).transform(camelSums) };

export const analyticsResultSchema = z.discriminatedUnion("view", [
  z.object({ view: z.literal("daily"), ...rangeShape, rows: z.array(z.object({ day: z.string(), ...sums }).transform((r) => ({ day: r.day, ...camelSums(r) }))) }),
  z.object({ view: z.literal("models"), ...rangeShape, rows: z.array(z.object({ model: z.string(), ...sums }).transform((r) => ({ model: r.model, ...camelSums(r) }))) }),
  z.object({ view: z.literal("users"), ...rangeShape, rows: z.array(z.object({ user_id: z.string(), ...sums }).transform((r) => ({ userId: r.user_id, ...camelSums(r) }))) }),
  z.object({
    view: z.literal("spikes"),
    day: z.string(),
    rows: z.array(
      z
        .object({ user_id: z.string(), today_cost_usd: count, today_tokens: count, average_daily_cost_usd: count, ratio: count.nullable() })
        .transform((r) => ({
          userId: r.user_id,
          todayCostUsd: r.today_cost_usd,
          todayTokens: r.today_tokens,
          averageDailyCostUsd: r.average_daily_cost_usd,
          ratio: r.ratio,
        })),
    ),
  }),
]);
export type AnalyticsResult = z.output<typeof analyticsResultSchema>;

const SUM_COLUMNS = ["requests", "input_tokens", "output_tokens", "total_tokens", "cost_usd"] as const;
const sumFields = (s: AnalyticsSums) => [String(s.requests), String(s.inputTokens), String(s.outputTokens), String(s.totalTokens), plainDecimal(s.costUsd)];

/** The view as CSV (header line first), and its file name. */
export function analyticsCsv(result: AnalyticsResult): { filename: string; body: string } {
  switch (result.view) {
    case "daily":
      return {
        filename: `tokenmeter-daily-${result.from}-to-${result.to}.csv`,
        body: csvLine(["day", ...SUM_COLUMNS]) + result.rows.map((r) => csvLine([r.day, ...sumFields(r)])).join(""),
      };
    case "models":
      return {
        filename: `tokenmeter-models-${result.from}-to-${result.to}.csv`,
        body: csvLine(["model", ...SUM_COLUMNS]) + result.rows.map((r) => csvLine([r.model, ...sumFields(r)])).join(""),
      };
    case "users":
      return {
        filename: `tokenmeter-users-${result.from}-to-${result.to}.csv`,
        body: csvLine(["user_id", ...SUM_COLUMNS]) + result.rows.map((r) => csvLine([r.userId, ...sumFields(r)])).join(""),
      };
    case "spikes":
      return {
        filename: `tokenmeter-spikes-${result.day}.csv`,
        body:
          csvLine(["user_id", "today_cost_usd", "today_tokens", "average_daily_cost_usd", "ratio"]) +
          result.rows
            .map((r) => csvLine([r.userId, plainDecimal(r.todayCostUsd), String(r.todayTokens), plainDecimal(r.averageDailyCostUsd), r.ratio === null ? "" : plainDecimal(r.ratio)]))
            .join(""),
      };
  }
}
