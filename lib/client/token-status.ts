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
};
