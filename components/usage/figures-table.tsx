import type { ReactNode } from "react";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCost, formatNumber } from "@/lib/client/format";

export type FiguresRow = { key: string; label: ReactNode; requests: number; inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number };

/** Requests, tokens and cost by one key (a model, a day, a user): the usage page's and the admin analytics' tables. */
export function FiguresTable({ keyLabel, rows, testId, label }: { keyLabel: string; rows: FiguresRow[]; testId: string; label: string }) {
  return (
    <Table data-testid={testId} scrollLabel={label}>
      <TableHeader>
        <TableRow>
          <TableHead>{keyLabel}</TableHead>
          <TableHead className="text-right">Requests</TableHead>
          <TableHead className="text-right">Input</TableHead>
          <TableHead className="text-right">Output</TableHead>
          <TableHead className="text-right">Total tokens</TableHead>
          <TableHead className="text-right">Cost</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.key}>
            <TableCell className="font-medium">{row.label}</TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(row.requests)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(row.inputTokens)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(row.outputTokens)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(row.totalTokens)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCost(row.costUsd)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
