"use client";

import type { ModelView } from "@/lib/client/models";

/** The models the plan allows; a native select, so it works with the keyboard and screen readers as is. */
export function ModelPicker({ models, value, onChange, disabled }: { models: ModelView[]; value: string | null; onChange: (id: string) => void; disabled?: boolean }) {
  return (
    <label className="flex items-center gap-2 text-xs text-muted-foreground">
      <span className="sr-only sm:not-sr-only">Model</span>
      <select
        className="h-8 max-w-[12rem] rounded-md border border-input bg-background px-2 text-sm text-foreground"
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value)}
        disabled={disabled || !models.length}
        data-testid="model-picker"
      >
        {models.length === 0 ? <option value="">Loading models…</option> : null}
        {models.map((model) => (
          <option key={model.id} value={model.id}>
            {model.name}
          </option>
        ))}
      </select>
    </label>
  );
}
