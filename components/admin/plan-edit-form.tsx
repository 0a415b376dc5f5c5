"use client";

import { useSWRConfig } from "swr";
import { Field, FormButtons, FormError, TextField } from "@/components/admin/form-field";
import { TierCheckboxes } from "@/components/admin/tier-checkboxes";
import { NativeSelect } from "@/components/ui/native-select";
import { useAdminForm } from "@/hooks/use-admin-form";
import { ADMIN_API, PERIOD_LABELS, type Period, type PlanView } from "@/lib/client/admin";
import { changedFields, optionalText, parseInteger, toInputText } from "@/lib/client/admin-forms";
import { updatePlanSchema } from "@/lib/client/admin-inputs";
import { fetchJson } from "@/lib/client/fetch-json";
import { formatTokens } from "@/lib/client/format";

/** A plan's fields, checked with the API's schema, only the changed ones sent (PATCH /api/admin/plans). */
export function PlanEditForm({ plan, onClose }: { plan: PlanView; onClose: () => void }) {
  const { mutate } = useSWRConfig();
  const form = useAdminForm({
    initial: {
      displayName: plan.displayName,
      period: plan.period as string,
      tokenCap: toInputText(plan.tokenCap),
      modelTiers: plan.modelTiers,
      maxOutputTokens: toInputText(plan.maxOutputTokens),
      reason: "",
    },
    schema: updatePlanSchema,
    toBody: (v) => {
      const changes = changedFields(plan, {
        displayName: v.displayName.trim(),
        period: v.period,
        tokenCap: parseInteger(v.tokenCap),
        modelTiers: v.modelTiers,
        maxOutputTokens: parseInteger(v.maxOutputTokens),
      });
      return Object.keys(changes).length ? { id: plan.id, ...changes, reason: optionalText(v.reason) } : null;
    },
    send: (body) => fetchJson<{ plan: PlanView }>(ADMIN_API.plans, { method: "PATCH", json: body }),
    success: ({ plan: saved }) => `${saved.displayName} plan saved: ${formatTokens(saved.tokenCap)} a ${saved.period}`,
    onDone: () => {
      void mutate(ADMIN_API.plans);
      onClose();
    },
  });
  const { values, setValue, errors } = form;
  return (
    <form onSubmit={form.submit} noValidate className="grid gap-4" aria-label={`Edit ${plan.displayName} plan`} data-testid="plan-form">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <TextField label="Display name" name="displayName" value={values.displayName} onChange={(v) => setValue("displayName", v)} error={errors.displayName} autoFocus />
        <Field label="Period" error={errors.period} hint="Days and months are counted in UTC.">
          {(props) => (
            <NativeSelect {...props} name="period" value={values.period} onChange={(event) => setValue("period", event.target.value)}>
              {(Object.keys(PERIOD_LABELS) as Period[]).map((period) => (
                <option key={period} value={period}>
                  {PERIOD_LABELS[period]}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
        <TextField label="Token cap" name="tokenCap" inputMode="numeric" value={values.tokenCap} onChange={(v) => setValue("tokenCap", v)} error={errors.tokenCap} hint="Tokens a period allows." />
        <TextField
          label="Output limit per request"
          name="maxOutputTokens"
          inputMode="numeric"
          value={values.maxOutputTokens}
          onChange={(v) => setValue("maxOutputTokens", v)}
          error={errors.maxOutputTokens}
          hint="The longest reply, in tokens."
        />
      </div>
      <TierCheckboxes value={values.modelTiers} onChange={(v) => setValue("modelTiers", v)} error={errors.modelTiers} />
      <TextField label="Reason (optional)" name="reason" value={values.reason} onChange={(v) => setValue("reason", v)} error={errors.reason} hint="Kept in the audit log." />
      <FormError message={form.formError} />
      <FormButtons pending={form.pending} onCancel={onClose} />
    </form>
  );
}
