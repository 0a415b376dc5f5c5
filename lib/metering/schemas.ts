import { z } from "zod";

/**
 * The JSON results of the metering SQL functions (supabase/migrations/*_create_metering_functions.sql),
 * parsed at the boundary into camelCase objects with Dates.
 */
const count = z.number().int();
const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

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
