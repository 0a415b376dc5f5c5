import Link from "next/link";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { SpikeAnalytics } from "@/lib/client/admin-analytics";
import { formatCost, formatNumber } from "@/lib/client/format";

/** A user id that opens the user's page. */
export function UserLink({ userId }: { userId: string }) {
  return (
    <Link href={`/admin/users/${encodeURIComponent(userId)}`} className="font-mono text-xs text-primary underline-offset-4 hover:underline">
      {userId}
    </Link>
  );
}

/** Users spending today more than twice their 30-day daily average. */
export function SpikesTable({ rows }: { rows: SpikeAnalytics["rows"] }) {
  return (
    <Table data-testid="analytics-spikes-table">
      <TableHeader>
        <TableRow>
          <TableHead>User</TableHead>
          <TableHead className="text-right">Cost today</TableHead>
          <TableHead className="text-right">Tokens today</TableHead>
          <TableHead className="text-right">Daily average (30 days)</TableHead>
          <TableHead className="text-right">Ratio</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.userId}>
            <TableCell>
              <UserLink userId={row.userId} />
            </TableCell>
            <TableCell className="text-right font-medium tabular-nums">{formatCost(row.todayCostUsd)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatNumber(row.todayTokens)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCost(row.averageDailyCostUsd)}</TableCell>
            <TableCell className="text-right tabular-nums">{row.ratio === null ? "New spender" : `${row.ratio.toFixed(1)}×`}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
