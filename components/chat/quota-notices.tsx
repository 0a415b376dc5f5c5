import { CoinsIcon, HourglassIcon, LoaderIcon } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { formatDuration, formatLocalTime, formatNumber, formatTokens } from "@/lib/client/format";
import type { TokenStatusView } from "@/lib/client/token-status";

/** In place of the composer when nothing is left: why, when it comes back, and what the user can do. */
export function QuotaWall({ status, now }: { status: TokenStatusView; now: Date }) {
  const resetsAt = new Date(status.resetsAt);
  const allowance = status.period === "day" ? "daily" : "monthly";
  return (
    <Alert variant="danger" role="status" data-testid="quota-wall">
      <HourglassIcon aria-hidden="true" />
      <AlertTitle>You have used your {allowance} allowance</AlertTitle>
      <AlertDescription>
        <p>
          All {formatTokens(status.cap)} of your {status.planName} plan’s {allowance} allowance are used{status.held > 0 ? `, and ${formatTokens(status.held)} are held by replies still in progress` : ""}.
          New messages can be sent again when it resets <strong className="text-foreground">{formatDuration(resetsAt, now)}</strong>, at{" "}
          <strong className="text-foreground">{formatLocalTime(resetsAt, now)}</strong> your time ({status.period === "day" ? "midnight UTC" : "the 1st of the month, UTC"}).
        </p>
        <p className="mt-1">Until then you can read your conversations and usage, or ask an admin for a token grant; a prepaid balance is spent as soon as your allowance is.</p>
      </AlertDescription>
    </Alert>
  );
}

/** The plan allowance is spent but a prepaid balance remains: say that it is being used, and how much is left. */
export function BalanceBanner({ status }: { status: TokenStatusView }) {
  return (
    <Alert variant="warning" role="status" data-testid="balance-banner">
      <CoinsIcon aria-hidden="true" />
      <AlertTitle>Using your prepaid balance</AlertTitle>
      <AlertDescription>
        Your {status.period === "day" ? "daily" : "monthly"} allowance of {formatNumber(status.cap)} tokens is used up, so replies now come from your balance:{" "}
        <strong className="text-foreground">{formatTokens(status.balance)}</strong> left.
      </AlertDescription>
    </Alert>
  );
}

/** Nothing is spent, but the user's replies still in progress hold what is left: a moment's wait, not a wall. */
export function HeldNotice({ status }: { status: TokenStatusView }) {
  return (
    <Alert role="status" data-testid="held-notice">
      <LoaderIcon aria-hidden="true" />
      <AlertTitle>Your other chats in progress hold the remaining tokens</AlertTitle>
      <AlertDescription>
        {formatTokens(status.held)} are held until those replies finish; what they do not use comes back. Try again in a moment.
      </AlertDescription>
    </Alert>
  );
}
