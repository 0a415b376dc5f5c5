"use client";

import { useState } from "react";
import { TextField } from "@/components/admin/form-field";
import { ANALYTICS_PRESETS, lastDays, type AnalyticsRange } from "@/lib/client/admin-analytics";
import { cn } from "@/lib/client/cn";
import { isUtcDay, utcDaysBetween } from "@/lib/client/utc-dates";

const MAX_DAYS = 366;

/** The analytics' date range: 7, 30 or 90 days up to today, or any From and To (UTC days, both counted). */
export function AnalyticsRangePicker({ value, onChange }: { value: AnalyticsRange; onChange: (range: AnalyticsRange) => void }) {
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const preset = ANALYTICS_PRESETS.find((p) => {
    const range = lastDays(p.days);
    return range.from === value.from && range.to === value.to;
  });

  function change(next: AnalyticsRange) {
    setDraft(next);
    if (!isUtcDay(next.from) || !isUtcDay(next.to)) return setError("must be a date");
    if (next.from > next.to) return setError("must not be after To");
    if (utcDaysBetween(next.from, next.to) > MAX_DAYS) return setError(`must be at most ${MAX_DAYS} days before To`);
    setError(null);
    onChange(next);
  }

  return (
    <div className="flex flex-wrap items-end gap-3">
      <div role="group" aria-label="Preset ranges" className="inline-flex rounded-lg border bg-muted p-0.5">
        {ANALYTICS_PRESETS.map((p) => (
          <button
            key={p.days}
            type="button"
            aria-pressed={preset?.days === p.days}
            onClick={() => change(lastDays(p.days))}
            className={cn(
              "rounded-md px-3 py-1 text-sm text-muted-foreground transition-colors hover:text-foreground",
              preset?.days === p.days && "bg-background font-medium text-foreground shadow-xs",
            )}
          >
            {p.label}
          </button>
        ))}
      </div>
      <TextField label="From (UTC)" name="from" type="date" value={draft.from} onChange={(from) => change({ ...draft, from })} error={error ?? undefined} className="w-40" />
      <TextField label="To (UTC)" name="to" type="date" value={draft.to} onChange={(to) => change({ ...draft, to })} className="w-40" />
    </div>
  );
}
