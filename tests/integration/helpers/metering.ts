import { randomUUID } from "node:crypto";
import pg from "pg";
import { expect, inject } from "vitest";

/**
 * Helpers for the metering integration tests: a pool that runs as service_role (as the server does),
 * typed wrappers around the RPC functions, and invariant checks read as the superuser.
 */

export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** A pool whose every session runs as service_role (startup option `-c role=service_role`). */
export function createServicePool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: `${inject("databaseUrl")}?options=-c%20role%3Dservice_role`, max });
}

export const newUserId = () => `user_${randomUUID()}`;
export const newRequestId = () => `req_${randomUUID()}`;

export const BASIC_MODEL = "openai/gpt-4o-mini";
export const ADVANCED_MODEL = "openai/gpt-4o";
export const PREMIUM_MODEL = "anthropic/claude-sonnet-4";

export type TokenStatus = {
  user_id: string;
  plan: string;
  plan_name: string;
  period: "day" | "month";
  period_start: string;
  resets_at: string;
  used: number;
  cap: number;
  held: number;
  remaining: number;
  balance: number;
};

export type ReserveResult =
  | (TokenStatus & {
      ok: true;
      request_id: string;
      reserved: number;
      model: string;
      expires_at: string;
      already_reserved: boolean;
    })
  | (TokenStatus & {
      ok: false;
      reason: "quota_exceeded" | "model_not_allowed" | "unknown_model" | "prompt_too_long" | "already_settled";
      request_id: string;
      model?: string;
    });

export type SettleResult = TokenStatus & {
  ok: true;
  request_id: string;
  total_tokens: number;
  plan_tokens: number;
  balance_tokens: number;
  charged_period: "day" | "month";
  charged_period_start: string;
  already_settled: boolean;
};

export type ReleaseResult = { ok: true; request_id: string; released: boolean };

export type AdminResult = TokenStatus & { ok: boolean; reason?: string; [key: string]: unknown };

/** `select public.<fn>(name => $1, ...)`: named arguments, as supabase-js `.rpc(fn, args)` sends them. */
export async function callRpc<T>(db: Queryable, fn: string, args: Record<string, unknown>): Promise<T> {
  const names = Object.keys(args).filter((name) => args[name] !== undefined);
  const sql = `select public.${fn}(${names.map((name, i) => `${name} => $${i + 1}`).join(", ")}) as result`;
  const { rows } = await db.query<{ result: T }>(sql, names.map((name) => args[name]));
  return rows[0]!.result;
}

const iso = (at?: Date | string) => (at instanceof Date ? at.toISOString() : at);

export function reserveTokens(
  db: Queryable,
  a: { userId: string; requestId: string; model?: string; min: number; max: number; now?: Date | string; promptTokens?: number },
): Promise<ReserveResult> {
  return callRpc(db, "reserve_tokens", {
    p_user_id: a.userId,
    p_request_id: a.requestId,
    p_model: a.model ?? BASIC_MODEL,
    p_min_tokens: a.min,
    p_max_tokens: a.max,
    p_now: iso(a.now),
    p_prompt_tokens: a.promptTokens,
  });
}

export function settleTokens(
  db: Queryable,
  a: {
    requestId: string;
    userId: string;
    model?: string;
    input: number;
    output: number;
    costUsd?: number | null;
    latencyMs?: number | null;
    outcome?: string;
    now?: Date | string;
  },
): Promise<SettleResult> {
  return callRpc(db, "settle_tokens", {
    p_request_id: a.requestId,
    p_user_id: a.userId,
    p_model: a.model ?? BASIC_MODEL,
    p_input_tokens: a.input,
    p_output_tokens: a.output,
    p_cost_usd: a.costUsd,
    p_latency_ms: a.latencyMs,
    p_outcome: a.outcome,
    p_now: iso(a.now),
  });
}

export function releaseTokens(db: Queryable, requestId: string): Promise<ReleaseResult> {
  return callRpc(db, "release_tokens", { p_request_id: requestId });
}

export function getTokenStatus(db: Queryable, userId: string, now?: Date | string): Promise<TokenStatus> {
  return callRpc(db, "get_token_status", { p_user_id: userId, p_now: iso(now) });
}

export function adminSetPlan(db: Queryable, userId: string, planId: string, actor = "user_admin", now?: Date | string) {
  return callRpc<AdminResult>(db, "admin_set_plan", { p_user_id: userId, p_plan_id: planId, p_actor: actor, p_now: iso(now) });
}

export function adminSetCapOverride(db: Queryable, userId: string, cap: number | null, actor = "user_admin") {
  return callRpc<AdminResult>(db, "admin_set_cap_override", { p_user_id: userId, p_cap: cap, p_actor: actor });
}

export function adminGrantTokens(db: Queryable, userId: string, tokens: number, reason = "test grant", actor = "user_admin") {
  return callRpc<AdminResult>(db, "admin_grant_tokens", { p_user_id: userId, p_tokens: tokens, p_reason: reason, p_actor: actor });
}

export function adminTopUp(db: Queryable, userId: string, tokens: number, paymentRef: string, actor = "user_admin") {
  return callRpc<AdminResult>(db, "admin_top_up", { p_user_id: userId, p_tokens: tokens, p_payment_ref: paymentRef, p_actor: actor });
}

/** accounts.balance = sum(balance_ledger.delta), read as the superuser. */
export async function expectBalanceMatchesLedger(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ balance: string | null; ledger: string }>(
    `select (select balance from public.accounts where user_id = $1) as balance,
            (select coalesce(sum(delta), 0) from public.balance_ledger where user_id = $1) as ledger`,
    [userId],
  );
  const row = rows[0]!;
  expect(row.balance, `account ${userId} exists`).not.toBeNull();
  expect(Number(row.balance)).toBe(Number(row.ledger));
  return Number(row.balance);
}

/** Rejects with the PostgreSQL error; resolves to its SQLSTATE and message. */
export async function pgError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? "", message: e.message };
  }
  throw new Error("expected a PostgreSQL error, but the query succeeded");
}
