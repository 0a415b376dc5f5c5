import { z } from "zod";
import { usageCursorSchema } from "@/lib/usage/cursor";
import { usageRangeSchema } from "@/lib/usage/schemas";

/**
 * The usage routes' query parameters. A bad value is a 400 naming the parameter; unknown parameters
 * are ignored. `range` defaults to `period` (the user's current allowance period).
 */
const range = usageRangeSchema.default("period");

/** GET /api/usage/history?range=period|7d|30d&limit=1..100&cursor=<nextCursor> */
export const usageHistoryQuerySchema = z
  .object({
    range,
    limit: z.coerce.number("must be a number").int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").default(50),
    cursor: usageCursorSchema.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.cursor && query.cursor.range !== query.range) {
      ctx.addIssue({ code: "custom", path: ["cursor"], message: `belongs to range ${query.cursor.range}, not ${query.range}` });
    }
  });
export type UsageHistoryQuery = z.infer<typeof usageHistoryQuerySchema>;

/** GET /api/usage/daily?days=1..90 (UTC days, today included). */
export const usageDailyQuerySchema = z.object({
  days: z.coerce.number("must be a number").int("must be an integer").min(1, "must be at least 1").max(90, "must be at most 90").default(30),
});
export type UsageDailyQuery = z.infer<typeof usageDailyQuerySchema>;

/** GET /api/usage/by-model?range=… and GET /api/usage/export.csv?range=… */
export const usageRangeQuerySchema = z.object({ range });
export type UsageRangeQuery = z.infer<typeof usageRangeQuerySchema>;

/** The query parameters of a request URL, as zod's input. */
export function searchParamsOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}
