import "server-only";
import {
  adminStatusSchema,
  auditPageSchema,
  expireBalancesResultSchema,
  modelsResultSchema,
  modelUpdateResultSchema,
  plansResultSchema,
  planUpdateResultSchema,
  settingsResultSchema,
  settingsUpdateResultSchema,
  userActionResultSchema,
  userDetailSchema,
  usersPageSchema,
  type AuditQuery,
  type SearchUsersQuery,
  type UpdateModel,
  type UpdatePlan,
  type UpdateSettings,
} from "@/lib/admin/schemas";
import { analyticsResultSchema, type AnalyticsQuery } from "@/lib/admin/analytics";
import { toTextArrayLiteral } from "@/lib/db/array-literal";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcClient } from "@/lib/db/rpc";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * The admin store: one admin SQL function per call, each one transaction that checks the actor is
 * an admin (accounts.is_admin), validates, applies and writes one admin_audit row. `actor` is always
 * the signed-in user's id (withAdmin), never an id from the request.
 */

/** The changes of a PATCH as the SQL function's JSON object (snake_case columns; undefined fields left out). */
function changesOf(fields: Record<string, unknown>): string {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) changes[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return JSON.stringify(changes);
}

/** The users ADMIN_USER_IDS lists (comma-separated in the environment). */
export function adminUserIds(): readonly string[] {
  return getEnv().ADMIN_USER_IDS;
}

export function createAdminStore(rpc: RpcClient) {
  /**
   * Whether the user is an admin in the database. One call: a user listed in ADMIN_USER_IDS is made
   * an admin first (idempotent; writes nothing once they are one).
   */
  async function isAdmin(userId: string): Promise<boolean> {
    const result = parseDbResult(adminStatusSchema, await rpc.call("get_admin_status", { p_user_id: userId, p_bootstrap: adminUserIds().includes(userId) }));
    return result.is_admin;
  }

  return {
    /** For pages (the sidebar's Admin link, the admin layout): the answer, never a throw. */
    isAdmin,

    /** For routes: 403 `forbidden` "Admins only." unless the user is an admin (the same one call as isAdmin). */
    async requireAdmin(userId: string): Promise<void> {
      if (!(await isAdmin(userId))) throw new AppError("forbidden", "Admins only.");
    },

    /** Marks the users admins (creating accounts if needed); audited. */
    async bootstrapAdmins(userIds: readonly string[]): Promise<void> {
      await rpc.call("bootstrap_admins", { p_user_ids: toTextArrayLiteral(userIds) });
    },

    async listPlans(actor: string) {
      return parseDbResult(plansResultSchema, await rpc.call("admin_list_plans", { p_actor: actor }));
    },

    async updatePlan(actor: string, { id, reason, ...fields }: UpdatePlan) {
      return parseDbResult(
        planUpdateResultSchema,
        await rpc.call("admin_update_plan", { p_actor: actor, p_plan_id: id, p_changes: changesOf(fields), p_reason: reason }),
      );
    },

    async listModels(actor: string) {
      return parseDbResult(modelsResultSchema, await rpc.call("admin_list_models", { p_actor: actor }));
    },

    async updateModel(actor: string, { id, reason, ...fields }: UpdateModel) {
      return parseDbResult(
        modelUpdateResultSchema,
        await rpc.call("admin_update_model", { p_actor: actor, p_model_id: id, p_changes: changesOf(fields), p_reason: reason }),
      );
    },

    async getSettings(actor: string) {
      return parseDbResult(settingsResultSchema, await rpc.call("admin_get_settings", { p_actor: actor }));
    },

    async updateSettings(actor: string, { reason, ...fields }: UpdateSettings) {
      return parseDbResult(
        settingsUpdateResultSchema,
        await rpc.call("admin_update_settings", { p_actor: actor, p_changes: changesOf(fields), p_reason: reason }),
      );
    },

    async searchUsers(actor: string, query: SearchUsersQuery) {
      return parseDbResult(
        usersPageSchema,
        await rpc.call("admin_search_users", { p_actor: actor, p_query: query.q, p_plan_id: query.plan, p_limit: query.limit, p_cursor: query.cursor }),
      );
    },

    async getUser(actor: string, userId: string, limit: number) {
      return parseDbResult(userDetailSchema, await rpc.call("admin_get_user", { p_actor: actor, p_user_id: userId, p_limit: limit }));
    },

    async setUserPlan(actor: string, userId: string, planId: string, reason?: string) {
      return userAction(await rpc.call("admin_set_user_plan", { p_actor: actor, p_user_id: userId, p_plan_id: planId, p_reason: reason }));
    },

    async setCapOverride(actor: string, userId: string, cap: number | null, reason?: string) {
      return userAction(await rpc.call("admin_set_user_cap_override", { p_actor: actor, p_user_id: userId, p_cap: cap, p_reason: reason }));
    },

    async resetUsage(actor: string, userId: string, reason: string) {
      return userAction(await rpc.call("admin_reset_usage", { p_actor: actor, p_user_id: userId, p_reason: reason }));
    },

    async grantTokens(actor: string, userId: string, tokens: number, reason: string) {
      return userAction(await rpc.call("admin_grant_user_tokens", { p_actor: actor, p_user_id: userId, p_tokens: tokens, p_reason: reason }));
    },

    /** A payment reference already applied (to anyone) is refused with 409 `conflict`; nothing changes. */
    async topUp(actor: string, userId: string, tokens: number, paymentRef: string, reason?: string) {
      const result = userAction(
        await rpc.call("admin_top_up_user", { p_actor: actor, p_user_id: userId, p_tokens: tokens, p_payment_ref: paymentRef, p_reason: reason }),
      );
      if (!result.ok) {
        throw new AppError("conflict", `Payment reference ${paymentRef} has already been applied; nothing was changed.`, {
          details: { fields: [{ field: "paymentRef", message: "has already been applied" }] },
        });
      }
      return result;
    },

    /** One analytics view (daily, models, users or spikes) from the ledger's daily rollup. */
    async analytics(actor: string, query: AnalyticsQuery, now?: Date) {
      return parseDbResult(
        analyticsResultSchema,
        await rpc.call("admin_analytics", {
          p_actor: actor,
          p_view: query.view,
          p_from: query.from,
          p_to: query.to,
          p_limit: query.limit,
          ...(now ? { p_now: now.toISOString() } : {}),
        }),
      );
    },

    /** Zeroes (through the ledger) the balances inactive for app_settings.balance_expiry_days; audited. */
    async expireBalances(actor: string, reason?: string) {
      return parseDbResult(expireBalancesResultSchema, await rpc.call("admin_expire_inactive_balances", { p_actor: actor, p_reason: reason }));
    },

    async listAudit(actor: string, query: AuditQuery) {
      return parseDbResult(
        auditPageSchema,
        await rpc.call("admin_list_audit", {
          p_actor: actor,
          p_filter_actor: query.actor,
          p_target_user_id: query.userId,
          p_action: query.action,
          p_from: query.from,
          p_to: query.to,
          p_limit: query.limit,
          p_before_id: query.cursor,
        }),
      );
    },
  };
}

function userAction(value: unknown) {
  return parseDbResult(userActionResultSchema, value);
}

export type AdminStore = ReturnType<typeof createAdminStore>;
