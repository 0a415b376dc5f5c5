import type { TokenStatusView } from "@/lib/client/token-status";
import type { TokenStatus } from "@/lib/metering/schemas";

/**
 * The one way a token status leaves the server: GET /api/tokens/current, POST /api/tokens/alerts/ack
 * and the chat's `done` event.
 */
export function toTokenStatusView(status: TokenStatus): TokenStatusView {
  return {
    used: status.used,
    cap: status.cap,
    remaining: status.remaining,
    held: status.held,
    balance: status.balance,
    plan: status.plan,
    planName: status.planName,
    period: status.period,
    periodStart: status.periodStart.toISOString(),
    resetsAt: status.resetsAt.toISOString(),
    alerts: status.alerts.map((alert) => ({ threshold: alert.threshold, crossedAt: alert.crossedAt.toISOString() })),
    ...(status.balanceExpiresAt !== undefined ? { balanceExpiresAt: status.balanceExpiresAt?.toISOString() ?? null } : {}),
  };
}
