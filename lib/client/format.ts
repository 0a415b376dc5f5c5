import { differenceInMinutes, isSameDay } from "date-fns";

/** Numbers and times for people, in the user's locale and time zone. */

/** `12,345` in the user's locale (or `locale`: server-rendered text passes the one it hydrates with). */
export function formatNumber(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** `12,345 tokens`, `1 token` */
export function formatTokens(value: number, locale?: string): string {
  return `${formatNumber(value, locale)} ${value === 1 ? "token" : "tokens"}`;
}

/** `12.3k`, `1.5M`: for tight spaces only; the full figure goes in a title or label. */
export function formatCompact(value: number): string {
  return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

/** `$0.0042`, `$1.23`; `—` when unknown. Small amounts keep their significant digits. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "—";
  if (usd === 0) return "$0";
  if (usd < 0.0001) return "<$0.0001";
  const digits = usd < 0.01 ? 4 : 2;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(usd);
}

/** `in 5 h 12 min`, `in 12 min`, `in 3 days`, `in less than a minute` (never negative). */
export function formatDuration(to: Date, now: Date = new Date()): string {
  const minutes = Math.max(0, differenceInMinutes(to, now));
  if (minutes < 1) return "in less than a minute";
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `in ${hours} h ${rest} min` : `in ${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `in ${days} days ${restHours} h` : `in ${days} days`;
}

/** `14:00` today, `Tue 3 Dec, 01:00` on another day: local time, the user's locale. */
export function formatLocalTime(at: Date, now: Date = new Date()): string {
  const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(at);
  if (isSameDay(at, now)) return time;
  const day = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" }).format(at);
  return `${day}, ${time}`;
}

/** When an allowance resets, for people: local time, how long until then, and that the boundary is UTC. */
export function describeReset(resetsAt: Date, period: "day" | "month", now: Date = new Date()): string {
  const month = new Intl.DateTimeFormat(undefined, { month: "long", timeZone: "UTC" }).format(resetsAt);
  const boundary = period === "day" ? "midnight UTC" : `${month} 1, 00:00 UTC`;
  return `Resets ${formatDuration(resetsAt, now)} (${formatLocalTime(resetsAt, now)} your time, ${boundary})`;
}

/** `2 Dec 2026, 14:05`: a moment in the user's locale and time zone; `—` when there is none. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
