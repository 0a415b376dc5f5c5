import { z } from "zod";
import { idSchema } from "@/lib/client/admin-inputs";

/**
 * The admin API's inputs (route bodies and queries; a bad value is a 400 naming the field) and the
 * admin SQL functions' results, parsed and turned into camelCase. Field names follow the columns.
 */

// ---------------------------------------------------------------------------------------------
// Inputs: the bodies are client-safe (the admin console validates its forms with them)
// ---------------------------------------------------------------------------------------------
export {
  expireBalancesSchema,
  grantTokensSchema,
  resetUsageSchema,
  setCapOverrideSchema,
  setUserPlanSchema,
  topUpSchema,
  updateModelSchema,
  updatePlanSchema,
  updateSettingsSchema,
  type UpdateModel,
  type UpdatePlan,
  type UpdateSettings,
} from "@/lib/client/admin-inputs";

/** What a balance expiry run did. */
export const expireBalancesResultSchema = z
  .object({ days: z.number().nullable(), expired_accounts: z.number(), expired_tokens: z.number(), more: z.boolean(), audit_id: z.number().optional() })
  .transform(({ days, expired_accounts, expired_tokens, more, audit_id }) => ({
    days,
    expiredAccounts: expired_accounts,
    expiredTokens: expired_tokens,
    more,
    ...(audit_id !== undefined ? { auditId: audit_id } : {}),
  }));

/** The `:id` of /api/admin/users/:id/… */
export const userParamsSchema = z.object({ id: idSchema });

const limit = z.coerce.number("must be a number").int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").default(50);
const optionalText = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional();

/** GET /api/admin/users?q=&plan=&limit=&cursor= (q: part of the user id or of the e-mail) */
export const searchUsersQuerySchema = z.object({ q: optionalText, plan: optionalText, limit, cursor: optionalText });
export type SearchUsersQuery = z.infer<typeof searchUsersQuerySchema>;

/** GET /api/admin/users/:id?limit= (recent ledger and usage rows) */
export const getUserQuerySchema = z.object({ limit: limit.default(20) });

const isoDate = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }).optional();

/** GET /api/admin/audit?actor=&userId=&action=&from=&to=&limit=&cursor= (from inclusive, to exclusive; cursor: the previous page's nextCursor) */
export const auditQuerySchema = z.object({
  actor: optionalText,
  userId: optionalText,
  action: z.string().max(64, "must be at most 64 characters").regex(/^[a-z][a-z_]*$/, "must be an action name such as grant_tokens").optional(),
  from: isoDate,
  to: isoDate,
  limit,
  cursor: z.coerce.number("must be a number").int("must be an integer").min(1, "must be at least 1").optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Results (snake_case from SQL, camelCase out)
// ---------------------------------------------------------------------------------------------
type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
type Camelize<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

function camelize<T extends Record<string, unknown>>(row: T): Camelize<T> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), value])) as Camelize<T>;
}

const timestamp = z.string();
const money = z.union([z.number(), z.string()]).transform(Number);

const statusShape = {
  user_id: z.string(),
  plan: z.string(),
  plan_name: z.string(),
  period: z.enum(["day", "month"]),
  period_start: timestamp,
  resets_at: timestamp,
  used: z.number(),
  cap: z.number(),
  held: z.number(),
  remaining: z.number(),
  balance: z.number(),
};

const accountShape = {
  ...statusShape,
  is_admin: z.boolean(),
  email: z.string().nullable(),
  cap_override: z.number().nullable(),
  created_at: timestamp,
  last_active_at: timestamp.nullable(),
};

const planSchema = z
  .object({
    id: z.string(),
    display_name: z.string(),
    period: z.enum(["day", "month"]),
    token_cap: z.number(),
    model_tiers: z.array(z.string()),
    max_output_tokens: z.number(),
    sort_order: z.number(),
    updated_at: timestamp,
  })
  .transform(camelize);

const modelSchema = z
  .object({
    id: z.string(),
    display_name: z.string(),
    tier: z.string(),
    context_window: z.number(),
    input_price_per_mtok: money,
    output_price_per_mtok: money,
    prompt_token_factor: money,
    enabled: z.boolean(),
    sort_order: z.number(),
  })
  .transform(camelize);

const settingsSchema = z
  .object({ starter_balance: z.number(), hold_ttl_seconds: z.number(), balance_expiry_days: z.number().nullable(), updated_at: timestamp })
  .transform(camelize);

export const plansResultSchema = z.object({ plans: z.array(planSchema) });
export const modelsResultSchema = z.object({ models: z.array(modelSchema) });
export const settingsResultSchema = z.object({ settings: settingsSchema });

export const planUpdateResultSchema = z.object({ ok: z.literal(true), plan: planSchema, audit_id: z.number() }).transform(({ plan, audit_id }) => ({ plan, auditId: audit_id }));
export const modelUpdateResultSchema = z.object({ ok: z.literal(true), model: modelSchema, audit_id: z.number() }).transform(({ model, audit_id }) => ({ model, auditId: audit_id }));
export const settingsUpdateResultSchema = z
  .object({ ok: z.literal(true), settings: settingsSchema, audit_id: z.number() })
  .transform(({ settings, audit_id }) => ({ settings, auditId: audit_id }));

const userSummarySchema = z.object(accountShape).transform(camelize);
export const usersPageSchema = z
  .object({ items: z.array(userSummarySchema), next_cursor: z.string().nullable() })
  .transform(({ items, next_cursor }) => ({ items, nextCursor: next_cursor }));
export type UsersPage = z.infer<typeof usersPageSchema>;

const balanceEntrySchema = z
  .object({
    id: z.number(),
    delta: z.number(),
    kind: z.string(),
    reason: z.string(),
    payment_ref: z.string().nullable(),
    request_id: z.string().nullable(),
    actor: z.string().nullable(),
    created_at: timestamp,
  })
  .transform(camelize);

const usageEntrySchema = z
  .object({
    id: z.number(),
    request_id: z.string(),
    model: z.string(),
    input_tokens: z.number(),
    output_tokens: z.number(),
    total_tokens: z.number(),
    plan_tokens: z.number(),
    balance_tokens: z.number(),
    cost_usd: money.nullable(),
    outcome: z.string(),
    created_at: timestamp,
  })
  .transform(camelize);

export const userDetailSchema = z
  .object({ ...accountShape, balance_ledger: z.array(balanceEntrySchema), usage: z.array(usageEntrySchema) })
  .transform(camelize);
export type UserDetail = z.infer<typeof userDetailSchema>;

const statusSchema = z.object(statusShape).transform(camelize);

/** What a user action answers: the user's status after it, and the audit row's id (null when nothing was applied). */
export const userActionResultSchema = z.union([
  z.object({ ...statusShape, ok: z.literal(true), audit_id: z.number(), reset_tokens: z.number().optional(), balance_ledger_id: z.number().optional() }).transform((raw) => ({
    ok: true as const,
    auditId: raw.audit_id,
    ...(raw.reset_tokens !== undefined ? { resetTokens: raw.reset_tokens } : {}),
    ...(raw.balance_ledger_id !== undefined ? { balanceLedgerId: raw.balance_ledger_id } : {}),
    status: statusSchema.parse(raw),
  })),
  z.object({ ...statusShape, ok: z.literal(false), reason: z.literal("duplicate_payment_ref"), payment_ref: z.string() }).transform((raw) => ({
    ok: false as const,
    reason: raw.reason,
    paymentRef: raw.payment_ref,
    status: statusSchema.parse(raw),
  })),
]);
export type UserActionResult = z.infer<typeof userActionResultSchema>;

const auditEntrySchema = z
  .object({
    id: z.number(),
    actor: z.string(),
    action: z.string(),
    target_user_id: z.string().nullable(),
    target: z.string(),
    old_value: z.unknown(),
    new_value: z.unknown(),
    reason: z.string().nullable(),
    created_at: timestamp,
  })
  .transform(camelize);
export const auditPageSchema = z
  .object({ items: z.array(auditEntrySchema), next_cursor: z.number().nullable() })
  .transform(({ items, next_cursor }) => ({ items, nextCursor: next_cursor }));
export type AuditPage = z.infer<typeof auditPageSchema>;

export const adminStatusSchema = z.object({ user_id: z.string(), is_admin: z.boolean() });
