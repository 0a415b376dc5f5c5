import type pg from "pg";
import { BASELINE_SCHEMA } from "./baseline-sql";
import type { PairCalls } from "./metering";

/**
 * Calls to the baseline's functions (baseline-sql.ts), one round trip each, on the same pool and
 * in the same form as the product's pg adapter calls its functions (`select fn(name => $1, …)`).
 * The tokens match what the product's calls in metering.ts hold (its max) and charge.
 */
const RESERVE_TOKENS = 592;
const SETTLE_TOKENS = 230;

type BaselineResult = { ok: boolean; reason?: string };

export function baselineCalls(pool: pg.Pool): PairCalls {
  const call = async (sql: string, values: unknown[]) => (await pool.query<{ result: BaselineResult }>(sql, values)).rows[0]!.result;
  return {
    async reserve(userId, requestId) {
      const result = await call(
        `select ${BASELINE_SCHEMA}.baseline_reserve(p_user_id => $1, p_request_id => $2, p_tokens => $3) as result`,
        [userId, requestId, RESERVE_TOKENS],
      );
      if (!result.ok) throw new Error(`baseline_reserve refused the request: ${result.reason}`);
    },
    async settle(userId, requestId) {
      const result = await call(
        `select ${BASELINE_SCHEMA}.baseline_settle(p_request_id => $1, p_user_id => $2, p_tokens => $3) as result`,
        [requestId, userId, SETTLE_TOKENS],
      );
      if (!result.ok) throw new Error(`baseline_settle did not settle ${requestId}: ${result.reason}`);
    },
  };
}

/** Baseline accounts for the given users, with a cap no benchmark reaches (as metering.ts's prepareUsers gives the product's). Needs the owner. */
export async function addBaselineUsers(owner: pg.Pool, userIds: string[], cap: number): Promise<void> {
  await owner.query(`insert into ${BASELINE_SCHEMA}.accounts (user_id, cap) select unnest($1::text[]), $2 on conflict do nothing`, [userIds, cap]);
}
