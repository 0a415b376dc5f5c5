"use client";

import useSWR from "swr";
import { AdminSection } from "@/components/admin/admin-section";
import { DataState } from "@/components/admin/data-state";
import { EditableRow, EditableTable, type Column } from "@/components/admin/editable-row";
import { PlanEditForm } from "@/components/admin/plan-edit-form";
import { TierBadge } from "@/components/admin/tier-badge";
import { TableCell } from "@/components/ui/table";
import { ADMIN_API, PERIOD_LABELS, type PlanView } from "@/lib/client/admin";
import { getJson } from "@/lib/client/fetch-json";
import { formatNumber } from "@/lib/client/format";

const COLUMNS: Column[] = [
  { label: "Plan" },
  { label: "Period" },
  { label: "Token cap", numeric: true },
  { label: "Model tiers" },
  { label: "Output limit / request", numeric: true },
];

/** Every plan with its allowance; each row edits in place. */
export function PlansView() {
  const { data, error, mutate } = useSWR<{ plans: PlanView[] }>(ADMIN_API.plans, getJson);
  return (
    <AdminSection title="Plans" description="What each plan allows. A change applies to the next request of every user on the plan, and is kept in the audit log.">
      <DataState what="plans" data={data?.plans} error={error} onRetry={() => void mutate()} isEmpty={(plans) => plans.length === 0}>
        {(plans) => (
          <EditableTable columns={COLUMNS} testId="plans-table">
            {plans.map((plan) => (
              <EditableRow
                key={plan.id}
                label={`${plan.displayName} plan`}
                columns={COLUMNS.length + 1}
                testId={`plan-row-${plan.id}`}
                form={(close) => <PlanEditForm plan={plan} onClose={close} />}
                cells={
                  <>
                    <TableCell>
                      <span className="font-medium">{plan.displayName}</span>
                      <span className="ml-2 font-mono text-xs text-muted-foreground">{plan.id}</span>
                    </TableCell>
                    <TableCell>{PERIOD_LABELS[plan.period]}</TableCell>
                    <TableCell className="text-right tabular-nums" data-testid="plan-cap">
                      {formatNumber(plan.tokenCap)}
                    </TableCell>
                    <TableCell>
                      <span className="flex gap-1">
                        {plan.modelTiers.length ? (
                          plan.modelTiers.map((tier) => (
                            <TierBadge key={tier} tier={tier} />
                          ))
                        ) : (
                          <span className="text-muted-foreground">None</span>
                        )}
                      </span>
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(plan.maxOutputTokens)}</TableCell>
                  </>
                }
              />
            ))}
          </EditableTable>
        )}
      </DataState>
    </AdminSection>
  );
}
