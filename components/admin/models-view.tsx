"use client";

import useSWR from "swr";
import { AdminSection } from "@/components/admin/admin-section";
import { DataState } from "@/components/admin/data-state";
import { EditableRow, EditableTable, type Column } from "@/components/admin/editable-row";
import { ModelEditForm } from "@/components/admin/model-edit-form";
import { ModelEnabledSwitch } from "@/components/admin/model-enabled-switch";
import { TierBadge } from "@/components/admin/tier-badge";
import { TableCell } from "@/components/ui/table";
import { ADMIN_API, type AdminModelView } from "@/lib/client/admin";
import { getJson } from "@/lib/client/fetch-json";
import { formatCost, formatNumber } from "@/lib/client/format";

const COLUMNS: Column[] = [
  { label: "Model" },
  { label: "Enabled" },
  { label: "Tier" },
  { label: "Input $/Mtok", numeric: true },
  { label: "Output $/Mtok", numeric: true },
  { label: "Context window", numeric: true },
  { label: "Prompt factor", numeric: true },
];

/** The model catalogue, disabled models included: a switch each, and the rest edited in place. */
export function ModelsView() {
  const { data, error, mutate } = useSWR<{ models: AdminModelView[] }>(ADMIN_API.models, getJson);
  return (
    <AdminSection title="Models" description="Which models users may call, at what price. Prices are USD per million tokens; a change applies to the next request.">
      <DataState what="models" data={data?.models} error={error} onRetry={() => void mutate()} isEmpty={(models) => models.length === 0}>
        {(models) => (
          <EditableTable columns={COLUMNS} testId="models-table">
            {models.map((model) => (
              <EditableRow
                key={model.id}
                label={model.displayName}
                columns={COLUMNS.length + 1}
                testId={`model-row-${model.id}`}
                form={(close) => <ModelEditForm model={model} onClose={close} />}
                cells={
                  <>
                    <TableCell>
                      <span className="block font-medium">{model.displayName}</span>
                      <span className="block font-mono text-xs text-muted-foreground">{model.id}</span>
                    </TableCell>
                    <TableCell>
                      <ModelEnabledSwitch model={model} />
                    </TableCell>
                    <TableCell>
                      <TierBadge tier={model.tier} />
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatCost(model.inputPricePerMtok)}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatCost(model.outputPricePerMtok)}</TableCell>
                    <TableCell className="text-right tabular-nums">{formatNumber(model.contextWindow)}</TableCell>
                    <TableCell className="text-right tabular-nums">{model.promptTokenFactor}×</TableCell>
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
