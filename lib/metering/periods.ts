/**
 * Allowance periods: UTC calendar days for daily plans, UTC calendar months for monthly plans.
 * The reset time is the end of the period. Mirrors public.period_bounds() in SQL; a test keeps them equal.
 */
export type PeriodKind = "day" | "month";

export type PeriodBounds = { start: Date; resetsAt: Date };

export function getPeriodBounds(kind: PeriodKind, at: Date): PeriodBounds {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (kind === "month") {
    return { start: new Date(Date.UTC(year, month, 1)), resetsAt: new Date(Date.UTC(year, month + 1, 1)) };
  }
  const day = at.getUTCDate();
  return { start: new Date(Date.UTC(year, month, day)), resetsAt: new Date(Date.UTC(year, month, day + 1)) };
}

export function isSamePeriod(kind: PeriodKind, a: Date, b: Date): boolean {
  return getPeriodBounds(kind, a).start.getTime() === getPeriodBounds(kind, b).start.getTime();
}
