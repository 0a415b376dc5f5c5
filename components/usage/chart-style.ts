/** The look the app's recharts charts share: quiet axes and grid, a tooltip like a card, theme colours. */
export const gridProps = { vertical: false, stroke: "var(--border)" } as const;

export const xAxisProps = { tickLine: false, axisLine: false, fontSize: 11, interval: "preserveStartEnd", minTickGap: 16, stroke: "var(--muted-foreground)" } as const;

export const yAxisProps = { tickLine: false, axisLine: false, fontSize: 11, width: 44, stroke: "var(--muted-foreground)" } as const;

export const tooltipContentStyle = { background: "var(--card)", border: "1px solid var(--border)", borderRadius: 8, fontSize: 12 } as const;

/** `1 Dec` for a UTC day `2026-12-01`, in the user's locale. */
export function utcDayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
}
