"use client";

import { tiers, type Tier } from "@/lib/client/admin-inputs";
import { TIER_LABELS } from "@/lib/client/admin";

/** Which model tiers a plan allows: a fieldset of checkboxes, its error said under it. */
export function TierCheckboxes({ value, onChange, error }: { value: string[]; onChange: (tiers: string[]) => void; error?: string }) {
  const toggle = (tier: Tier, on: boolean) => onChange(on ? tiers.filter((t) => t === tier || value.includes(t)) : value.filter((t) => t !== tier));
  return (
    <fieldset className="grid content-start gap-1.5" aria-invalid={error ? true : undefined}>
      <legend className="mb-1.5 text-sm font-medium leading-none">Model tiers</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-2">
        {tiers.map((tier) => (
          <label key={tier} className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              name="modelTiers"
              value={tier}
              checked={value.includes(tier)}
              onChange={(event) => toggle(tier, event.target.checked)}
              className="size-4 accent-[var(--primary)]"
            />
            {TIER_LABELS[tier]}
          </label>
        ))}
      </div>
      {error ? <p className="text-xs text-danger-foreground">Model tiers {error}</p> : null}
    </fieldset>
  );
}
