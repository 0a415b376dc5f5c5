import { z } from "zod";
import { dbTimestampSchema } from "@/lib/db/parse-result";
import { WARNING_THRESHOLDS } from "@/lib/client/thresholds";

/**
 * The JSON results of the metering SQL functions (supabase/migrations/*_create_metering_functions.sql,
 * *_add_usage_alerts_to_status.sql), parsed at the boundary into camelCase objects with Dates; and
 * the body of POST /api/tokens/alerts/ack.
 */
const count = z.number().int();
const isoDate = dbTimestampSchema;
/** The warning thresholds (WARNING_THRESHOLDS in lib/client/thresholds.ts), as the database records them. */
const threshold = z.literal(WARNING_THRESHOLDS, "must be 80 or 95");

/** A threshold crossed this period and not yet acknowledged (public.usage_alerts). */
const alertShape = z.object({ threshold, crossed_at: isoDate }).transform((raw) => ({ threshold: raw.threshold, crossedAt: raw.crossed_at }));

const statusShape = {
  user_id: z.string(),
  plan: z.string(),
  plan_name: z.string(),
  period: z.enum(["day", "month"]),
  period_start: isoDate,
  resets_at: isoDate,
  used: count,
  cap: count,
  held: count,
  remaining: count,
  balance: count,
  /**
   * Unacknowledged crossings of the current period, ascending. Absent (so: none) only from a database
   * without the alerts migration, which must not break reserve and settle while a deploy rolls out.
   */
  alerts: z.array(alertShape).default([]),
  /** When the balance would expire if the account stayed inactive (null: never). Only the status reads carry it. */
  balance_expires_at: isoDate.nullish(),
};

function toStatus(raw: z.infer<z.ZodObject<typeof statusShape>>) {
  return {
    userId: raw.user_id,
    plan: raw.plan,
    planName: raw.plan_name,
    period: raw.period,
    periodStart: raw.period_start,
    resetsAt: raw.resets_at,
    used: raw.used,
    cap: raw.cap,
    held: raw.held,
    remaining: raw.remaining,
    balance: raw.balance,
    alerts: raw.alerts,
    /** Absent: not given (reserve and settle results); null: the balance never expires (or there is none). */
    ...(raw.balance_expires_at !== undefined ? { balanceExpiresAt: raw.balance_expires_at } : {}),
  };
}

export const tokenStatusSchema = z.object(statusShape).transform(toStatus);
export type TokenStatus = z.infer<typeof tokenStatusSchema>;

export const refusalReasons = ["quota_exceeded", "model_not_allowed", "unknown_model", "prompt_too_long", "already_settled"] as const;
export type RefusalReason = (typeof refusalReasons)[number];

export const reserveResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ...statusShape,
    ok: z.literal(true),
    request_id: z.string(),
    reserved: count,
    prompt_tokens: count.nullish(),
    expires_at: isoDate,
    already_reserved: z.boolean(),
  }).transform((raw) => ({
    ok: true as const,
    requestId: raw.request_id,
    reserved: raw.reserved,
    /** The prompt part of the hold (scaled by the model's prompt_token_factor), when a prompt size was given. */
    promptTokensHeld: raw.prompt_tokens ?? null,
    expiresAt: raw.expires_at,
    alreadyReserved: raw.already_reserved,
    status: toStatus(raw),
  })),
  z
    .object({ ...statusShape, ok: z.literal(false), reason: z.enum(refusalReasons), request_id: z.string(), needed: count.nullish() })
    .transform((raw) => ({
      ok: false as const,
      reason: raw.reason,
      requestId: raw.request_id,
      /** What the request needed, as the database counted it (prompt scaled by the model's factor). */
      needed: raw.needed ?? null,
      status: toStatus(raw),
    })),
]);
export type ReserveResult = z.infer<typeof reserveResultSchema>;

export const settleResultSchema = z
  .object({
    ...statusShape,
    ok: z.literal(true),
    request_id: z.string(),
    total_tokens: count,
    plan_tokens: count,
    balance_tokens: count,
    already_settled: z.boolean(),
  })
  .transform((raw) => ({
    requestId: raw.request_id,
    totalTokens: raw.total_tokens,
    planTokens: raw.plan_tokens,
    balanceTokens: raw.balance_tokens,
    alreadySettled: raw.already_settled,
    status: toStatus(raw),
  }));
export type SettleResult = z.infer<typeof settleResultSchema>;

export const releaseResultSchema = z
  .object({ ok: z.literal(true), request_id: z.string(), released: z.boolean() })
  .transform((raw) => ({ requestId: raw.request_id, released: raw.released }));
export type ReleaseResult = z.infer<typeof releaseResultSchema>;

/** sweep_stale_holds: holds settled at their last checkpoint, holds released (never checkpointed), tokens charged. */
export const sweepResultSchema = z.object({ swept: z.number().int(), released: z.number().int(), tokens: z.number().int() });
export type SweepResult = z.infer<typeof sweepResultSchema>;

export const adminResultSchema = z.discriminatedUnion("ok", [
  z.object({ ...statusShape, ok: z.literal(true) }).transform((raw) => ({ ok: true as const, status: toStatus(raw) })),
  z.object({ ...statusShape, ok: z.literal(false), reason: z.literal("duplicate_payment_ref") }).transform((raw) => ({
    ok: false as const,
    reason: raw.reason,
    status: toStatus(raw),
  })),
]);
export type AdminResult = z.infer<typeof adminResultSchema>;

export const outcomes = ["ok", "aborted", "error"] as const;
export type Outcome = (typeof outcomes)[number];

/** POST /api/tokens/alerts/ack: the thresholds the user has seen (a bad body is a 400 naming `thresholds`). */
export const acknowledgeAlertsSchema = z
  .object({
    thresholds: z
      .array(threshold, "must be an array of 80 and 95")
      .min(1, "must name at least one threshold")
      .max(WARNING_THRESHOLDS.length, `must have at most ${WARNING_THRESHOLDS.length} thresholds`),
  })
  .strict();
export type AcknowledgeAlerts = z.infer<typeof acknowledgeAlertsSchema>;
