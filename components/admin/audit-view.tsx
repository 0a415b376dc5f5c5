"use client";

import { useState } from "react";
import { AuditFilters, NO_AUDIT_FILTERS, type AuditFilterValues } from "@/components/admin/audit-filters";
import { AdminSection } from "@/components/admin/admin-section";
import { PagedData } from "@/components/admin/paged-data";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useCursorPages } from "@/hooks/use-cursor-pages";
import { ADMIN_API, AUDIT_ACTIONS, compactJson, type AuditEntryView } from "@/lib/client/admin";
import { formatDateTime } from "@/lib/client/format";
import { addUtcDays, utcDayStart } from "@/lib/client/utc-dates";

const PAGE_SIZE = 50;

/** Every admin change, newest first: who, what, on what, from what to what, and why. */
export function AuditView() {
  const [filters, setFilters] = useState<AuditFilterValues>(NO_AUDIT_FILTERS);
  const audit = useCursorPages<AuditEntryView>(ADMIN_API.audit, {
    actor: filters.actor || undefined,
    userId: filters.userId || undefined,
    action: filters.action || undefined,
    from: filters.from ? utcDayStart(filters.from) : undefined,
    // The To day is counted: the API's `to` is exclusive.
    to: filters.to ? utcDayStart(addUtcDays(filters.to, 1)) : undefined,
    limit: PAGE_SIZE,
  });
  const filtered = Object.values(filters).some(Boolean);

  return (
    <AdminSection title="Audit log" description="Every change made here, newest first. Rows are never edited or deleted.">
      <AuditFilters value={filters} onApply={setFilters} />
      <PagedData what="the audit log" pages={audit} moreTestId="audit-more" empty={filtered ? "No audit rows match these filters." : "No admin changes yet."}>
        {(items) => (
          <Table data-testid="audit-table" scrollLabel="Audit log">
            <TableHeader>
              <TableRow>
                <TableHead>When</TableHead>
                <TableHead>Actor</TableHead>
                <TableHead>Action</TableHead>
                <TableHead>Target</TableHead>
                <TableHead>Change</TableHead>
                <TableHead>Reason</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((entry) => (
                <TableRow key={entry.id} data-testid="audit-row">
                  <TableCell className="align-top tabular-nums">{formatDateTime(entry.createdAt)}</TableCell>
                  <TableCell className="align-top font-mono text-xs">{entry.actor}</TableCell>
                  <TableCell className="align-top">
                    <Badge variant="secondary" title={entry.action}>
                      {AUDIT_ACTIONS[entry.action] ?? entry.action}
                    </Badge>
                  </TableCell>
                  <TableCell className="align-top font-mono text-xs">{entry.target}</TableCell>
                  <TableCell className="min-w-72 whitespace-normal align-top font-mono text-xs">
                    <span className="break-words text-muted-foreground">{compactJson(entry.oldValue)}</span>
                    <span aria-hidden="true" className="px-1">
                      →
                    </span>
                    <span className="sr-only"> changed to </span>
                    <span className="break-words">{compactJson(entry.newValue)}</span>
                  </TableCell>
                  <TableCell className="min-w-48 whitespace-normal align-top">{entry.reason ?? <span className="text-muted-foreground">—</span>}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </PagedData>
    </AdminSection>
  );
}
