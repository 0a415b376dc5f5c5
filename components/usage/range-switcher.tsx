"use client";

import { cn } from "@/lib/client/cn";
import { usageRangeLabels, usageRanges, type UsageRange } from "@/lib/client/usage";

/** This period, 7 days or 30 days: a group of toggle buttons (the pressed one is said, not only shown). */
export function RangeSwitcher({ value, onChange }: { value: UsageRange; onChange: (range: UsageRange) => void }) {
  return (
    <div role="group" aria-label="Time range" className="inline-flex rounded-lg border bg-muted p-0.5">
      {usageRanges.map((range) => (
        <button
          key={range}
          type="button"
          aria-pressed={value === range}
          onClick={() => onChange(range)}
          className={cn(
            "rounded-md px-3 py-1 text-sm text-muted-foreground transition-colors hover:text-foreground",
            value === range && "bg-background font-medium text-foreground shadow-xs",
          )}
        >
          {usageRangeLabels[range]}
        </button>
      ))}
    </div>
  );
}
