import { Card } from "@/components/ui/card";
import type { UserDetailView } from "@/lib/client/admin";
import { cn } from "@/lib/client/cn";
import { formatDateTime, formatNumber, formatTokens } from "@/lib/client/format";
import { usagePercent } from "@/lib/client/thresholds";

/** A user's allowance at a glance: plan, used / cap, held, balance, override, last active. */
export function UserStats({ user }: { user: UserDetailView }) {
  const percent = usagePercent(user.used, user.cap);
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-3" data-testid="user-stats">
      <Stat label="Plan" value={user.planName} detail={`${user.period === "day" ? "Daily" : "Monthly"} allowance, reset at ${user.period === "day" ? "midnight" : "the month's start"} UTC`} />
      <Stat
        label="Used this period"
        value={`${formatNumber(user.used)} / ${formatNumber(user.cap)}`}
        detail={`${Math.floor(percent)}% of the cap · resets ${formatDateTime(user.resetsAt)}`}
        testId="user-used"
        dataValue={user.used}
      />
      <Stat label="Held in flight" value={formatTokens(user.held)} detail="By replies in progress" testId="user-held" dataValue={user.held} />
      <Stat label="Balance" value={formatTokens(user.balance)} detail="Spent after the plan allowance" testId="user-balance" dataValue={user.balance} />
      <Stat
        label="Cap override"
        value={user.capOverride === null ? "None" : formatTokens(user.capOverride)}
        detail={user.capOverride === null ? "The plan's cap applies" : "Instead of the plan's cap"}
        testId="user-cap-override"
        muted={user.capOverride === null}
      />
      <Stat label="Last active" value={formatDateTime(user.lastActiveAt)} detail={`Account since ${formatDateTime(user.createdAt)}`} muted={!user.lastActiveAt} />
    </div>
  );
}

function Stat({ label, value, detail, testId, dataValue, muted }: { label: string; value: string; detail: string; testId?: string; dataValue?: number; muted?: boolean }) {
  return (
    <Card className="min-w-0 p-3 sm:p-4">
      <p className="text-sm text-muted-foreground">{label}</p>
      <p className={cn("mt-1 break-words text-lg font-semibold tabular-nums sm:text-xl", muted && "text-muted-foreground")} data-testid={testId} data-value={dataValue}>
        {value}
      </p>
      <p className="mt-0.5 text-xs text-muted-foreground">{detail}</p>
    </Card>
  );
}
