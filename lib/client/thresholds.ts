/** Gauge levels and the warning thresholds (80% and 95% of the cap). */
export const WARNING_THRESHOLDS = [80, 95] as const;
export type WarningThreshold = (typeof WARNING_THRESHOLDS)[number];

export type UsageLevel = "ok" | "warning" | "critical" | "exhausted";

/** Percent of the cap used, 0..100+, rounded down to one decimal. A zero cap counts as fully used. */
export function usagePercent(used: number, cap: number): number {
  if (cap <= 0) return 100;
  return Math.floor((used / cap) * 1000) / 10;
}

/** Green under 80%, yellow from 80%, red from 95%, exhausted when nothing of the allowance or balance is left. */
export function getUsageLevel(used: number, cap: number, remaining: number): UsageLevel {
  if (remaining <= 0) return "exhausted";
  const percent = usagePercent(used, cap);
  if (percent >= 95) return "critical";
  if (percent >= 80) return "warning";
  return "ok";
}

/** The thresholds reached at `used` (in ascending order): the gauge toasts each once per period. */
export function reachedThresholds(used: number, cap: number): WarningThreshold[] {
  const percent = usagePercent(used, cap);
  return WARNING_THRESHOLDS.filter((threshold) => percent >= threshold);
}
