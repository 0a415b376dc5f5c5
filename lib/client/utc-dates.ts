/**
 * Calendar days as the API counts them: `YYYY-MM-DD` in UTC (the metering periods' boundaries).
 * Pure functions of their inputs; `now` is passed in where "today" matters.
 */
const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function isUtcDay(value: string): boolean {
  return DAY_PATTERN.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** Today's UTC date. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The UTC day `days` after (or before, when negative) `day`. */
export function addUtcDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The moment a UTC day starts, as ISO 8601 (the audit filter's `from`, and its exclusive `to` for the day after). */
export function utcDayStart(day: string): string {
  return `${day}T00:00:00.000Z`;
}

/** How many days from `from` to `to`, both counted. */
export function utcDaysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}
