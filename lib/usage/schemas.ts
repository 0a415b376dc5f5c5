import { z } from "zod";

/**
 * The usage room's schemas: the routes' query parameters, and the JSON results of the usage SQL
 * functions (supabase/migrations/*_create_usage_reads.sql) parsed at the boundary into camelCase.
 */

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

/** `period`: the user's current allowance period (UTC day or month, per plan); `7d`, `30d`: up to now. */
export const usageRanges = ["period", "7d", "30d"] as const;
export type UsageRange = (typeof usageRanges)[number];

export const usageRangeSchema = z.enum(usageRanges, "must be one of period, 7d, 30d");

export const usageOutcomes = ["ok", "aborted", "error"] as const;
export type UsageOutcome = (typeof usageOutcomes)[number];

/** A time as the API sends it: ISO-8601 UTC with milliseconds. */
const isoTime = z.iso.datetime({ precision: 3 });
/** A position in the ledger, exact to the microsecond as PostgreSQL stores it. */
export const preciseTime = z.iso.datetime({ precision: 6 });
const count = z.number().int().nonnegative();
const usd = z.number().nonnegative();

// ---------------------------------------------------------------------------------------------
// SQL results
// ---------------------------------------------------------------------------------------------

const rangeSchema = z.object({ from: isoTime, to: isoTime });
export type UsageRangeBounds = z.infer<typeof rangeSchema>;

export const usageHistoryItemSchema = z
  .object({
    request_id: z.string(),
    created_at: isoTime,
    model: z.string(),
    input_tokens: count,
    output_tokens: count,
    total_tokens: count,
    cost_usd: usd.nullable(),
    outcome: z.enum(usageOutcomes),
    conversation_id: z.uuid().nullable(),
  })
  .transform((raw) => ({
    createdAt: raw.created_at,
    model: raw.model,
    inputTokens: raw.input_tokens,
    outputTokens: raw.output_tokens,
    totalTokens: raw.total_tokens,
    /** null when neither the provider nor the catalogue priced the request. */
    costUsd: raw.cost_usd,
    outcome: raw.outcome,
    /** null once the conversation was deleted (the ledger row stays). */
    conversationId: raw.conversation_id,
    requestId: raw.request_id,
  }));
export type UsageHistoryItem = z.infer<typeof usageHistoryItemSchema>;

/** Where the next page starts: strictly after this row, in the listing anchored at `asOf`. */
export type UsageHistoryPosition = { createdAt: string; id: number; asOf: string };

export const usageHistoryPageSchema = z
  .object({
    items: z.array(usageHistoryItemSchema),
    next_cursor: z.object({ created_at: preciseTime, id: z.number().int().positive() }).nullable(),
    range: rangeSchema,
    as_of: preciseTime,
  })
  .transform((raw) => ({
    items: raw.items,
    range: raw.range,
    next: raw.next_cursor ? { createdAt: raw.next_cursor.created_at, id: raw.next_cursor.id, asOf: raw.as_of } : null,
  }));
export type UsageHistoryPage = z.infer<typeof usageHistoryPageSchema>;

const modelDayTotalsSchema = z
  .object({ tokens: count, requests: count, cost_usd: usd })
  .transform((raw) => ({ tokens: raw.tokens, requests: raw.requests, costUsd: raw.cost_usd }));

export const usageDailySchema = z
  .object({
    from: isoTime,
    to: isoTime,
    days: z.array(
      z.object({
        date: z.iso.date(),
        by_model: z.record(z.string(), modelDayTotalsSchema),
        total_tokens: count,
        requests: count,
        cost_usd: usd,
      }),
    ),
    models: z.array(z.string()),
  })
  .transform((raw) => ({
    days: raw.days.map((day) => ({
      date: day.date,
      byModel: day.by_model,
      totalTokens: day.total_tokens,
      requests: day.requests,
      costUsd: day.cost_usd,
    })),
    /** Every model in the window, most tokens first: the chart's series, in a stable order. */
    models: raw.models,
  }));
export type UsageDaily = z.infer<typeof usageDailySchema>;

export const usageByModelSchema = z
  .object({
    range: rangeSchema,
    models: z.array(
      z.object({
        model: z.string(),
        requests: count,
        input_tokens: count,
        output_tokens: count,
        total_tokens: count,
        cost_usd: usd,
      }),
    ),
  })
  .transform((raw) =>
    raw.models.map((m) => ({
      model: m.model,
      requests: m.requests,
      inputTokens: m.input_tokens,
      outputTokens: m.output_tokens,
      totalTokens: m.total_tokens,
      costUsd: m.cost_usd,
    })),
  );
export type UsageByModel = z.infer<typeof usageByModelSchema>;
