import { z } from "zod";

/**
 * The admin API's request bodies, one schema each: the server parses them (lib/admin/schemas.ts
 * re-exports them for the routes) and the admin console validates its forms with the same ones
 * before sending, so a field is refused with the same words in both places. Client-safe: zod only.
 */
export const tiers = ["basic", "advanced", "premium"] as const;
export type Tier = (typeof tiers)[number];
const int = (min: number, max: number) =>
  z.number("must be a number").int("must be an integer").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const reason = z.string("must be a string").trim().min(1, "must not be empty").max(500, "must be at most 500 characters");
const optionalReason = reason.optional();
export const idSchema = z.string("must be a string").trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const displayName = z.string("must be a string").trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

/** Refuses a body that changes nothing. */
function atLeastOneOf<T extends Record<string, unknown>>(fields: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    if (!fields.some((field) => value[field] !== undefined)) {
      ctx.addIssue({ code: "custom", path: [], message: `must change at least one of ${fields.join(", ")}` });
    }
  };
}

/** PATCH /api/admin/plans: `{ id, displayName?, period?, tokenCap?, modelTiers?, maxOutputTokens?, reason? }` */
export const updatePlanSchema = z
  .strictObject({
    id: idSchema,
    displayName: displayName.optional(),
    period: z.enum(["day", "month"], "must be day or month").optional(),
    tokenCap: int(0, 1_000_000_000_000).optional(),
    modelTiers: z.array(z.enum(tiers, "must be basic, advanced or premium"), "must be an array").optional(),
    maxOutputTokens: int(1, 1_000_000).optional(),
    reason: optionalReason,
  })
  .superRefine(atLeastOneOf(["displayName", "period", "tokenCap", "modelTiers", "maxOutputTokens"]));
export type UpdatePlan = z.infer<typeof updatePlanSchema>;

const price = z.number("must be a number").min(0, "must be at least 0").max(100_000, "must be at most 100000");

/** PATCH /api/admin/models: `{ id, displayName?, enabled?, tier?, inputPricePerMtok?, outputPricePerMtok?, contextWindow?, promptTokenFactor?, reason? }` */
export const updateModelSchema = z
  .strictObject({
    id: idSchema,
    displayName: displayName.optional(),
    enabled: z.boolean("must be true or false").optional(),
    tier: z.enum(tiers, "must be basic, advanced or premium").optional(),
    inputPricePerMtok: price.optional(),
    outputPricePerMtok: price.optional(),
    contextWindow: int(1, 100_000_000).optional(),
    promptTokenFactor: z.number("must be a number").min(1, "must be at least 1").max(4, "must be at most 4").optional(),
    reason: optionalReason,
  })
  .superRefine(
    atLeastOneOf(["displayName", "enabled", "tier", "inputPricePerMtok", "outputPricePerMtok", "contextWindow", "promptTokenFactor"]),
  );
export type UpdateModel = z.infer<typeof updateModelSchema>;

/** PATCH /api/admin/settings: `{ starterBalance?, holdTtlSeconds?, balanceExpiryDays? (null: never), reason? }` */
export const updateSettingsSchema = z
  .strictObject({
    starterBalance: int(0, 1_000_000_000).optional(),
    holdTtlSeconds: int(60, 86_400).optional(),
    balanceExpiryDays: int(1, 3650).nullable().optional(),
    reason: optionalReason,
  })
  .superRefine(atLeastOneOf(["starterBalance", "holdTtlSeconds", "balanceExpiryDays"]));
export type UpdateSettings = z.infer<typeof updateSettingsSchema>;

/** POST /api/admin/users/:id/plan */
export const setUserPlanSchema = z.strictObject({ planId: idSchema, reason: optionalReason });
/** POST /api/admin/users/:id/cap-override: `cap: null` clears it. */
export const setCapOverrideSchema = z.strictObject({ cap: int(0, 1_000_000_000_000).nullable(), reason: optionalReason });
/** POST /api/admin/users/:id/reset-usage */
export const resetUsageSchema = z.strictObject({ reason });
/** POST /api/admin/users/:id/grant */
export const grantTokensSchema = z.strictObject({ tokens: int(1, 1_000_000_000), reason });
/** POST /api/admin/users/:id/top-up: a payment reference is applied once, ever. */
export const topUpSchema = z.strictObject({ tokens: int(1, 1_000_000_000), paymentRef: idSchema, reason: optionalReason });
/** POST /api/admin/jobs/expire-balances: `{ reason? }` */
export const expireBalancesSchema = z.strictObject({ reason: optionalReason });
