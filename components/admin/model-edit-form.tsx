"use client";

import { useSWRConfig } from "swr";
import { Field, FormButtons, FormError, TextField } from "@/components/admin/form-field";
import { NativeSelect } from "@/components/ui/native-select";
import { useAdminForm } from "@/hooks/use-admin-form";
import { ADMIN_API, TIER_LABELS, type AdminModelView } from "@/lib/client/admin";
import { changedFields, optionalText, parseDecimal, parseInteger, toInputText } from "@/lib/client/admin-forms";
import { tiers, updateModelSchema } from "@/lib/client/admin-inputs";
import { fetchJson } from "@/lib/client/fetch-json";

/** A model's tier, prices, context window and prompt factor (PATCH /api/admin/models, changed fields only). */
export function ModelEditForm({ model, onClose }: { model: AdminModelView; onClose: () => void }) {
  const { mutate } = useSWRConfig();
  const form = useAdminForm({
    initial: {
      displayName: model.displayName,
      tier: model.tier,
      inputPricePerMtok: toInputText(model.inputPricePerMtok),
      outputPricePerMtok: toInputText(model.outputPricePerMtok),
      contextWindow: toInputText(model.contextWindow),
      promptTokenFactor: toInputText(model.promptTokenFactor),
      reason: "",
    },
    schema: updateModelSchema,
    toBody: (v) => {
      const changes = changedFields(model, {
        displayName: v.displayName.trim(),
        tier: v.tier,
        inputPricePerMtok: parseDecimal(v.inputPricePerMtok),
        outputPricePerMtok: parseDecimal(v.outputPricePerMtok),
        contextWindow: parseInteger(v.contextWindow),
        promptTokenFactor: parseDecimal(v.promptTokenFactor),
      });
      return Object.keys(changes).length ? { id: model.id, ...changes, reason: optionalText(v.reason) } : null;
    },
    send: (body) => fetchJson<{ model: AdminModelView }>(ADMIN_API.models, { method: "PATCH", json: body }),
    success: ({ model: saved }) => `${saved.displayName} saved`,
    onDone: () => {
      void mutate(ADMIN_API.models);
      onClose();
    },
  });
  const { values, setValue, errors } = form;
  return (
    <form onSubmit={form.submit} noValidate className="grid gap-4" aria-label={`Edit ${model.displayName}`} data-testid="model-form">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        <TextField label="Display name" name="displayName" value={values.displayName} onChange={(v) => setValue("displayName", v)} error={errors.displayName} autoFocus />
        <Field label="Tier" error={errors.tier} hint="Plans allow models by tier.">
          {(props) => (
            <NativeSelect {...props} name="tier" value={values.tier} onChange={(event) => setValue("tier", event.target.value)}>
              {tiers.map((tier) => (
                <option key={tier} value={tier}>
                  {TIER_LABELS[tier]}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
        <TextField label="Context window" name="contextWindow" inputMode="numeric" value={values.contextWindow} onChange={(v) => setValue("contextWindow", v)} error={errors.contextWindow} hint="Tokens." />
        <TextField label="Input price" name="inputPricePerMtok" inputMode="decimal" value={values.inputPricePerMtok} onChange={(v) => setValue("inputPricePerMtok", v)} error={errors.inputPricePerMtok} hint="USD per million tokens." />
        <TextField label="Output price" name="outputPricePerMtok" inputMode="decimal" value={values.outputPricePerMtok} onChange={(v) => setValue("outputPricePerMtok", v)} error={errors.outputPricePerMtok} hint="USD per million tokens." />
        <TextField
          label="Prompt token factor"
          name="promptTokenFactor"
          inputMode="decimal"
          value={values.promptTokenFactor}
          onChange={(v) => setValue("promptTokenFactor", v)}
          error={errors.promptTokenFactor}
          hint="1 to 4: how much more this model's tokenizer counts than ours, for holds."
        />
      </div>
      <TextField label="Reason (optional)" name="reason" value={values.reason} onChange={(v) => setValue("reason", v)} error={errors.reason} hint="Kept in the audit log." />
      <FormError message={form.formError} />
      <FormButtons pending={form.pending} onCancel={onClose} />
    </form>
  );
}
