"use client";

import useSWR from "swr";
import { ActionDialog } from "@/components/admin/action-dialog";
import { Field, TextField } from "@/components/admin/form-field";
import { NativeSelect } from "@/components/ui/native-select";
import { useAdminForm } from "@/hooks/use-admin-form";
import { ADMIN_API, type PlanView, type UserActionResultView, type UserDetailView } from "@/lib/client/admin";
import { optionalText, parseInteger, toInputText } from "@/lib/client/admin-forms";
import { grantTokensSchema, resetUsageSchema, setCapOverrideSchema, setUserPlanSchema, topUpSchema } from "@/lib/client/admin-inputs";
import { fetchJson, getJson } from "@/lib/client/fetch-json";
import { formatNumber, formatTokens } from "@/lib/client/format";

export type UserAction = "plan" | "cap-override" | "reset-usage" | "grant" | "top-up";

type FormProps = { user: UserDetailView; onClose: () => void; onDone: () => void };

/** POST /api/admin/users/:id/<action>: every action answers the user's status after it. */
function post(user: UserDetailView, action: UserAction) {
  return (body: unknown) => fetchJson<UserActionResultView>(ADMIN_API.userAction(user.userId, action), { method: "POST", json: body });
}

const REASON_HINT = "Kept in the audit log and shown in the user's ledger.";

export function ChangePlanForm({ user, onClose, onDone }: FormProps) {
  const plans = useSWR<{ plans: PlanView[] }>(ADMIN_API.plans, getJson);
  const form = useAdminForm({
    initial: { planId: user.plan, reason: "" },
    schema: setUserPlanSchema,
    toBody: (v) => (v.planId === user.plan ? null : { planId: v.planId, reason: optionalText(v.reason) }),
    send: post(user, "plan"),
    success: ({ status }) => `${user.userId} is now on the ${status.planName} plan`,
    onDone,
  });
  return (
    <ActionDialog title="Change plan" description={`${user.userId} is on the ${user.planName} plan.`} onClose={onClose} onSubmit={form.submit} pending={form.pending} formError={form.formError} submitLabel="Change plan" testId="dialog-plan">
      <Field label="Plan" error={form.errors.planId}>
        {(props) => (
          <NativeSelect {...props} value={form.values.planId} onChange={(event) => form.setValue("planId", event.target.value)}>
            {plans.data ? (
              plans.data.plans.map((plan) => (
                <option key={plan.id} value={plan.id}>
                  {plan.displayName} ({formatNumber(plan.tokenCap)} tokens a {plan.period})
                </option>
              ))
            ) : (
              <option value={user.plan}>{user.planName}</option>
            )}
          </NativeSelect>
        )}
      </Field>
      <TextField label="Reason (optional)" name="reason" value={form.values.reason} onChange={(v) => form.setValue("reason", v)} error={form.errors.reason} hint={REASON_HINT} />
    </ActionDialog>
  );
}

export function CapOverrideForm({ user, onClose, onDone }: FormProps) {
  const form = useAdminForm({
    initial: { cap: toInputText(user.capOverride), reason: "" },
    schema: setCapOverrideSchema,
    toBody: (v) => {
      // Empty clears the override: the plan's cap applies again.
      const cap = v.cap.trim() === "" ? null : parseInteger(v.cap);
      return cap === user.capOverride ? null : { cap, reason: optionalText(v.reason) };
    },
    send: post(user, "cap-override"),
    success: ({ status }) => `${user.userId}'s cap is now ${formatTokens(status.cap)}`,
    onDone,
  });
  return (
    <ActionDialog
      title="Cap override"
      description={user.capOverride === null ? `No override: the ${user.planName} plan's cap applies.` : `The cap is overridden to ${formatTokens(user.capOverride)}.`}
      onClose={onClose}
      onSubmit={form.submit}
      pending={form.pending}
      formError={form.formError}
      submitLabel="Save cap"
      testId="dialog-cap-override"
    >
      <TextField
        label="Cap (tokens a period)"
        name="cap"
        inputMode="numeric"
        value={form.values.cap}
        onChange={(v) => form.setValue("cap", v)}
        error={form.errors.cap}
        placeholder="Plan's cap"
        hint="Leave empty to clear the override."
      />
      <TextField label="Reason (optional)" name="reason" value={form.values.reason} onChange={(v) => form.setValue("reason", v)} error={form.errors.reason} hint={REASON_HINT} />
    </ActionDialog>
  );
}

export function ResetUsageForm({ user, onClose, onDone }: FormProps) {
  const form = useAdminForm({
    initial: { reason: "" },
    schema: resetUsageSchema,
    toBody: (v) => ({ reason: v.reason }),
    send: post(user, "reset-usage"),
    success: (result) => `Forgave ${formatTokens(result.resetTokens ?? 0)} of ${user.userId}'s usage this period`,
    onDone,
  });
  return (
    <ActionDialog
      title="Reset this period's usage"
      description={`Forgives the ${formatTokens(user.used)} used this period so ${user.userId} can chat again. The usage history is kept.`}
      onClose={onClose}
      onSubmit={form.submit}
      pending={form.pending}
      formError={form.formError}
      submitLabel="Reset usage"
      variant="danger"
      testId="dialog-reset-usage"
    >
      <TextField label="Reason" name="reason" value={form.values.reason} onChange={(v) => form.setValue("reason", v)} error={form.errors.reason} hint="Required. Kept in the audit log." />
    </ActionDialog>
  );
}

export function GrantForm({ user, onClose, onDone }: FormProps) {
  const form = useAdminForm({
    initial: { tokens: "", reason: "" },
    schema: grantTokensSchema,
    toBody: (v) => ({ tokens: parseInteger(v.tokens), reason: v.reason }),
    send: post(user, "grant"),
    success: ({ status }) => `Granted. ${user.userId}'s balance: ${formatTokens(status.balance)}`,
    onDone,
  });
  return (
    <ActionDialog title="Grant tokens" description={`Adds tokens to ${user.userId}'s balance (now ${formatTokens(user.balance)}), spent after the plan allowance.`} onClose={onClose} onSubmit={form.submit} pending={form.pending} formError={form.formError} submitLabel="Grant tokens" testId="dialog-grant">
      <TextField label="Tokens" name="tokens" inputMode="numeric" value={form.values.tokens} onChange={(v) => form.setValue("tokens", v)} error={form.errors.tokens} hint="1 to 1,000,000,000." />
      <TextField label="Reason" name="reason" value={form.values.reason} onChange={(v) => form.setValue("reason", v)} error={form.errors.reason} hint={`Required. ${REASON_HINT}`} />
    </ActionDialog>
  );
}

export function TopUpForm({ user, onClose, onDone }: FormProps) {
  const form = useAdminForm({
    initial: { tokens: "", paymentRef: "", reason: "" },
    schema: topUpSchema,
    toBody: (v) => ({ tokens: parseInteger(v.tokens), paymentRef: v.paymentRef, reason: optionalText(v.reason) }),
    send: post(user, "top-up"),
    success: ({ status }) => `Topped up. ${user.userId}'s balance: ${formatTokens(status.balance)}`,
    onDone,
  });
  return (
    <ActionDialog title="Top up" description="Credits a payment to the balance. A payment reference is applied once, ever." onClose={onClose} onSubmit={form.submit} pending={form.pending} formError={form.formError} submitLabel="Top up" testId="dialog-top-up">
      <TextField label="Tokens" name="tokens" inputMode="numeric" value={form.values.tokens} onChange={(v) => form.setValue("tokens", v)} error={form.errors.tokens} hint="1 to 1,000,000,000." />
      <TextField label="Payment reference" name="paymentRef" value={form.values.paymentRef} onChange={(v) => form.setValue("paymentRef", v)} error={form.errors.paymentRef} hint="The payment provider's id, e.g. pi_3Nx…" />
      <TextField label="Reason (optional)" name="reason" value={form.values.reason} onChange={(v) => form.setValue("reason", v)} error={form.errors.reason} hint={REASON_HINT} />
    </ActionDialog>
  );
}
