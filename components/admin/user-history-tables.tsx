import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { EmptyState } from "@/components/admin/data-state";
import { OutcomeBadge } from "@/components/usage/outcome-badge";
import type { BalanceEntryView, UsageEntryView } from "@/lib/client/admin";
import { cn } from "@/lib/client/cn";
import { formatCost, formatDateTime, formatNumber } from "@/lib/client/format";

const KIND_LABELS: Record<string, string> = { grant: "Grant", topup: "Top-up", usage: "Usage", expiry: "Expiry", adjustment: "Adjustment" };

/** The user's balance ledger, newest first: every credit and debit with its reason. */
export function BalanceLedgerTable({ entries }: { entries: BalanceEntryView[] }) {
  return (
    <Card className="space-y-3 p-3 sm:p-5">
      <div>
        <CardTitle>Balance ledger</CardTitle>
        <CardDescription>Most recent first. The balance is the sum of these rows.</CardDescription>
      </div>
      {entries.length === 0 ? (
        <EmptyState>No balance entries yet.</EmptyState>
      ) : (
        <Table data-testid="balance-ledger" scrollLabel="Balance ledger">
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Kind</TableHead>
              <TableHead className="text-right">Tokens</TableHead>
              <TableHead>Reason</TableHead>
              <TableHead>Payment ref</TableHead>
              <TableHead>By</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {entries.map((entry) => (
              <TableRow key={entry.id} data-testid="ledger-row">
                <TableCell className="tabular-nums">{formatDateTime(entry.createdAt)}</TableCell>
                <TableCell>
                  <Badge variant={entry.delta >= 0 ? "default" : "secondary"}>{KIND_LABELS[entry.kind] ?? entry.kind}</Badge>
                </TableCell>
                <TableCell className={cn("text-right font-medium tabular-nums", entry.delta >= 0 ? "text-foreground" : "text-muted-foreground")}>
                  {entry.delta >= 0 ? "+" : "−"}
                  {formatNumber(Math.abs(entry.delta))}
                </TableCell>
                <TableCell className="max-w-72 truncate" title={entry.reason}>
                  {entry.reason}
                </TableCell>
                <TableCell className="font-mono text-xs">{entry.paymentRef ?? "—"}</TableCell>
                <TableCell className="font-mono text-xs">{entry.actor ?? "—"}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

/** The user's recent requests as metered: tokens from the plan and from the balance, cost, outcome. */
export function RecentUsageTable({ entries }: { entries: UsageEntryView[] }) {
  return (
    <Card className="space-y-3 p-3 sm:p-5">
      <div>
        <CardTitle>Recent usage</CardTitle>
        <CardDescription>Most recent requests first.</CardDescription>
      </div>
      {entries.length === 0 ? (
        <EmptyState>No requests yet.</EmptyState>
      ) : (
        <Table data-testid="recent-usage" scrollLabel="Recent usage">
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Model</TableHead>
              <TableHead className="text-right">Input</TableHead>
              <TableHead className="text-right">Output</TableHead>
              <TableHead className="text-right">Total</TableHead>
              <TableHead className="text-right">From plan</TableHead>
              <TableHead className="text-right">From balance</TableHead>
              <TableHead className="text-right">Cost</TableHead>
              <TableHead>Outcome</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {entries.map((entry) => (
                <TableRow key={entry.id}>
                  <TableCell className="tabular-nums">{formatDateTime(entry.createdAt)}</TableCell>
                  <TableCell>{entry.model}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(entry.inputTokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(entry.outputTokens)}</TableCell>
                  <TableCell className="text-right font-medium tabular-nums">{formatNumber(entry.totalTokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(entry.planTokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(entry.balanceTokens)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatCost(entry.costUsd)}</TableCell>
                  <TableCell>
                    <OutcomeBadge outcome={entry.outcome} />
                  </TableCell>
                </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
