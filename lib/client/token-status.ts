/**
 * The signed-in user's allowance as the browser sees it: the body of GET /api/tokens/current and the
 * `status` of the chat stream's `done` event. One shape, produced on the server by toTokenStatusView
 * (lib/metering/token-status-view.ts). Times are ISO 8601 strings in UTC.
 */
export type TokenStatusView = {
  /** Tokens of the plan allowance used this period. */
  used: number;
  /** The plan allowance for this period (the plan's cap, or the user's override). */
  cap: number;
  /** What a new request may still use: allowance left after holds, plus the balance. */
  remaining: number;
  /** Tokens held by requests in flight. */
  held: number;
  /** Prepaid tokens, spent after the allowance. */
  balance: number;
  plan: string;
  planName: string;
  period: "day" | "month";
  periodStart: string;
  resetsAt: string;
  /**
   * Warning thresholds (80% and 95% of the cap) this period's usage has crossed and the user has not
   * acknowledged yet, ascending: show each once, then POST /api/tokens/alerts/ack `{ thresholds }`.
   * Recorded in the database, so a crossing shows once across reloads, tabs and devices.
   */
  alerts: UsageAlertView[];
  /**
   * When the prepaid balance expires if the account stays inactive (no reply settled, no credit) until
   * then; null when it never does or there is no balance. Only GET /api/tokens/current carries it (the
   * chat's `done` status does not: the browser keeps the last value it read).
   */
  balanceExpiresAt?: string | null;
};

/** One crossing: the threshold and when the settle that crossed it happened (ISO 8601, UTC). */
export type UsageAlertView = { threshold: 80 | 95; crossedAt: string };

/** What is left to spend, counting tokens held by replies in progress as not spent: allowance left plus balance. */
export function spendableTokens(status: Pick<TokenStatusView, "used" | "cap" | "balance">): number {
  return Math.max(status.cap - status.used, 0) + status.balance;
}
