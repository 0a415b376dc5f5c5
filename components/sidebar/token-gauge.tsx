"use client";

import { AlertTriangleIcon } from "lucide-react";
import { Skeleton } from "@/components/ui/skeleton";
import { useTokenStatus } from "@/hooks/use-token-status";
import { useNow } from "@/hooks/use-now";
import { useThresholdToasts } from "@/hooks/use-threshold-toasts";
import { cn } from "@/lib/client/cn";
import { describeReset, formatDateTime, formatLocalTime, formatNumber, formatTokens } from "@/lib/client/format";
import { spendableTokens } from "@/lib/client/token-status";
import { getUsageLevel, usagePercent, type UsageLevel } from "@/lib/client/thresholds";

/** The gauge says when an unused balance expires once that is this close (the status always carries the date). */
const BALANCE_EXPIRY_NOTICE_DAYS = 30;

function expiresWithin(iso: string, now: Date, days: number): boolean {
  return new Date(iso).getTime() - now.getTime() <= days * 86_400_000;
}

const barColour: Record<UsageLevel, string> = {
  ok: "bg-ok",
  warning: "bg-warning",
  critical: "bg-danger",
  exhausted: "bg-exhausted",
};

const levelWords: Record<UsageLevel, string> = {
  ok: "",
  warning: "Running low",
  critical: "Almost out",
  exhausted: "Used up",
};

/**
 * The sidebar's token gauge: used / cap as a bar with its words (colour is never the only signal),
 * the plan, the balance, what replies in progress hold, and when the allowance resets. It keeps the
 * last value when a poll fails and says it is stale.
 */
export function TokenGauge() {
  const { status, error, updatedAt } = useTokenStatus({ poll: true });
  useThresholdToasts(status);
  const now = useNow();

  if (!status) {
    return (
      <section aria-label="Token usage" aria-busy={!error} data-testid="token-gauge" data-state={error ? "error" : "loading"} className="rounded-lg border bg-card p-3">
        {error ? (
          <p className="text-sm text-muted-foreground">Usage could not be loaded. Retrying…</p>
        ) : (
          <div className="space-y-2">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="h-2 w-full" />
            <Skeleton className="h-3 w-40" />
          </div>
        )}
      </section>
    );
  }

  // Tokens held by replies in progress are not spent: exhausted means nothing of the allowance or balance is left.
  const level = getUsageLevel(status.used, status.cap, spendableTokens(status));
  const percent = usagePercent(status.used, status.cap);
  const shown = Math.min(100, percent);
  const planSpent = status.used >= status.cap;
  const percentText = percent > 0 && percent < 1 ? "<1%" : `${Math.floor(percent)}%`;
  const label = `${formatNumber(Math.floor(percent))}% of your ${status.period === "day" ? "daily" : "monthly"} allowance used: ${formatTokens(status.used)} of ${formatNumber(status.cap)}`;

  return (
    <section aria-label="Token usage" data-testid="token-gauge" data-level={level} data-state={error ? "stale" : "ok"} className="rounded-lg border bg-card p-3 text-sm">
      <div className="flex items-baseline justify-between gap-2">
        <span className="font-medium">
          {status.planName} plan
          <span className="sr-only">, {status.period === "day" ? "daily" : "monthly"} allowance</span>
        </span>
        <span className={cn("text-xs font-medium", level === "ok" ? "text-muted-foreground" : level === "warning" ? "text-warning-foreground" : "text-danger-foreground")}>
          {level === "ok" ? `${percentText} used` : `${levelWords[level]} · ${percentText}`}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label="Allowance used"
        aria-valuemin={0}
        aria-valuemax={status.cap}
        aria-valuenow={Math.min(status.used, status.cap)}
        aria-valuetext={label}
        className="mt-2 h-2 w-full overflow-hidden rounded-full bg-muted"
      >
        <div
          className={cn("h-full rounded-full transition-[width] duration-500", barColour[level], level === "exhausted" && "bg-[repeating-linear-gradient(45deg,var(--exhausted),var(--exhausted)_6px,color-mix(in_oklch,var(--exhausted),transparent_35%)_6px,color-mix(in_oklch,var(--exhausted),transparent_35%)_12px)]")}
          style={{ width: `${shown}%` }}
        />
      </div>
      <p className="mt-2 tabular-nums" data-testid="token-gauge-figures">
        <span className="font-medium">{formatNumber(status.used)}</span>
        <span className="text-muted-foreground"> / {formatTokens(status.cap)}</span>
      </p>
      {status.balance > 0 ? (
        <p className="text-muted-foreground" data-testid="token-gauge-balance">
          {planSpent ? "Using your balance: " : "Balance: "}
          <span className="font-medium text-foreground">{formatTokens(status.balance)}</span>
        </p>
      ) : null}
      {status.balance > 0 && status.balanceExpiresAt && expiresWithin(status.balanceExpiresAt, now, BALANCE_EXPIRY_NOTICE_DAYS) ? (
        <p className="text-xs text-warning-foreground" data-testid="token-gauge-balance-expiry">
          Expires {formatDateTime(status.balanceExpiresAt)} unless you use it
        </p>
      ) : null}
      {status.held > 0 ? (
        <p className="text-muted-foreground" data-testid="token-gauge-held">
          {formatTokens(status.held)} held by replies in progress
        </p>
      ) : null}
      {level === "exhausted" ? (
        <p className="mt-1 font-medium text-danger-foreground">No tokens left for new messages.</p>
      ) : null}
      <p className="mt-1 text-xs text-muted-foreground" data-testid="token-gauge-reset">
        {describeReset(new Date(status.resetsAt), status.period, now)}
      </p>
      {error ? (
        <p className="mt-1 flex items-center gap-1 text-xs text-warning-foreground" role="status">
          <AlertTriangleIcon className="size-3" aria-hidden="true" />
          Not up to date{updatedAt ? ` (last updated ${formatLocalTime(updatedAt, now)})` : ""}: retrying.
        </p>
      ) : null}
    </section>
  );
}
