"use client";

import { useState, type FormEvent } from "react";
import { Field, TextField } from "@/components/admin/form-field";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";
import { AUDIT_ACTIONS } from "@/lib/client/admin";

export type AuditFilterValues = { actor: string; userId: string; action: string; from: string; to: string };

export const NO_AUDIT_FILTERS: AuditFilterValues = { actor: "", userId: "", action: "", from: "", to: "" };

/** The audit log's filters, applied together (Apply, or Enter in any field); dates are UTC days, both counted. */
export function AuditFilters({ value, onApply }: { value: AuditFilterValues; onApply: (filters: AuditFilterValues) => void }) {
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const set = (key: keyof AuditFilterValues) => (text: string) => setDraft((current) => ({ ...current, [key]: text }));

  function apply(event: FormEvent) {
    event.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      setError("must not be after the To date");
      return;
    }
    setError(null);
    onApply(draft);
  }

  return (
    <form role="search" aria-label="Filter the audit log" onSubmit={apply} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[repeat(5,minmax(0,1fr))_auto] lg:items-start">
      <TextField label="Actor" name="actor" value={draft.actor} onChange={set("actor")} placeholder="Admin's user id" />
      <TextField label="User id" name="userId" value={draft.userId} onChange={set("userId")} placeholder="Target user" />
      <Field label="Action">
        {(props) => (
          <NativeSelect {...props} value={draft.action} onChange={(event) => set("action")(event.target.value)}>
            <option value="">Any action</option>
            {Object.entries(AUDIT_ACTIONS).map(([action, label]) => (
              <option key={action} value={action}>
                {label}
              </option>
            ))}
          </NativeSelect>
        )}
      </Field>
      <TextField label="From (UTC)" name="from" type="date" value={draft.from} onChange={set("from")} error={error ?? undefined} />
      <TextField label="To (UTC)" name="to" type="date" value={draft.to} onChange={set("to")} />
      <div className="flex gap-2 sm:col-span-2 lg:col-span-1 lg:mt-[1.375rem]">
        <Button type="submit" className="flex-1">
          Apply
        </Button>
        <Button
          variant="outline"
          onClick={() => {
            setDraft(NO_AUDIT_FILTERS);
            setError(null);
            onApply(NO_AUDIT_FILTERS);
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
