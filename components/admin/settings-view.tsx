"use client";

import useSWR, { useSWRConfig } from "swr";
import { AdminSection } from "@/components/admin/admin-section";
import { DataState } from "@/components/admin/data-state";
import { FormError, TextField } from "@/components/admin/form-field";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useAdminForm } from "@/hooks/use-admin-form";
import { ADMIN_API, type SettingsView as Settings } from "@/lib/client/admin";
import { changedFields, optionalText, parseInteger, toInputText } from "@/lib/client/admin-forms";
import { updateSettingsSchema } from "@/lib/client/admin-inputs";
import { fetchJson, getJson } from "@/lib/client/fetch-json";

/** The server settings: starter balance, how long a hold lives, when an unused balance expires. */
export function SettingsView() {
  const { data, error, mutate } = useSWR<{ settings: Settings }>(ADMIN_API.settings, getJson);
  return (
    <AdminSection title="Settings" description="Server-wide metering settings. Every change is kept in the audit log." className="max-w-2xl">
      <DataState
        what="settings"
        data={data?.settings}
        error={error}
        onRetry={() => void mutate()}
        skeleton={
          <div className="grid gap-4">
            {[0, 1, 2, 3].map((i) => (
              <Skeleton key={i} className="h-14 w-full" />
            ))}
          </div>
        }
      >
        {(settings) => <SettingsForm key={settings.updatedAt} settings={settings} />}
      </DataState>
    </AdminSection>
  );
}

function SettingsForm({ settings }: { settings: Settings }) {
  const { mutate } = useSWRConfig();
  const form = useAdminForm({
    initial: {
      starterBalance: toInputText(settings.starterBalance),
      holdTtlSeconds: toInputText(settings.holdTtlSeconds),
      balanceExpiryDays: toInputText(settings.balanceExpiryDays),
      reason: "",
    },
    schema: updateSettingsSchema,
    toBody: (v) => {
      const changes = changedFields(settings, {
        starterBalance: parseInteger(v.starterBalance),
        holdTtlSeconds: parseInteger(v.holdTtlSeconds),
        // Empty: balances never expire.
        balanceExpiryDays: v.balanceExpiryDays.trim() === "" ? null : parseInteger(v.balanceExpiryDays),
      });
      return Object.keys(changes).length ? { ...changes, reason: optionalText(v.reason) } : null;
    },
    send: (body) => fetchJson<{ settings: Settings }>(ADMIN_API.settings, { method: "PATCH", json: body }),
    success: () => "Settings saved",
    onDone: ({ settings: saved }) => void mutate(ADMIN_API.settings, { settings: saved }),
  });
  const { values, setValue, errors } = form;
  return (
    <form onSubmit={form.submit} noValidate className="grid gap-4" aria-label="Settings" data-testid="settings-form">
      <TextField
        label="Starter balance"
        name="starterBalance"
        inputMode="numeric"
        value={values.starterBalance}
        onChange={(v) => setValue("starterBalance", v)}
        error={errors.starterBalance}
        hint="Tokens a new account gets once, spent after its plan allowance."
      />
      <TextField
        label="Hold lifetime (seconds)"
        name="holdTtlSeconds"
        inputMode="numeric"
        value={values.holdTtlSeconds}
        onChange={(v) => setValue("holdTtlSeconds", v)}
        error={errors.holdTtlSeconds}
        hint="60 to 86,400. A reply's hold on tokens lapses after this long if it is never settled."
      />
      <TextField
        label="Balance expiry (days of inactivity)"
        name="balanceExpiryDays"
        inputMode="numeric"
        value={values.balanceExpiryDays}
        onChange={(v) => setValue("balanceExpiryDays", v)}
        error={errors.balanceExpiryDays}
        placeholder="Never"
        hint="1 to 3,650. Leave empty and balances never expire."
      />
      <TextField label="Reason (optional)" name="reason" value={values.reason} onChange={(v) => setValue("reason", v)} error={errors.reason} hint="Kept in the audit log." />
      <FormError message={form.formError} />
      <div className="flex justify-end">
        <Button type="submit" disabled={form.pending}>
          {form.pending ? "Saving…" : "Save settings"}
        </Button>
      </div>
    </form>
  );
}
