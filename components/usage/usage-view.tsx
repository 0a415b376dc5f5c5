"use client";

import { DownloadIcon } from "lucide-react";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useState } from "react";
import useSWR from "swr";
import useSWRInfinite from "swr/infinite";
import { FiguresTable } from "@/components/usage/figures-table";
import { OutcomeBadge } from "@/components/usage/outcome-badge";
import { RangeSwitcher } from "@/components/usage/range-switcher";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fetchJson } from "@/lib/client/fetch-json";
import { formatCost, formatNumber } from "@/lib/client/format";
import { usageRangeLabels, type UsageByModelView, type UsageDailyView, type UsageHistoryView, type UsageRange } from "@/lib/client/usage";

// recharts is only needed here: load it with the chart, never with the chat.
const DailyChart = dynamic(() => import("@/components/usage/daily-chart").then((m) => m.DailyChart), {
  ssr: false,
  loading: () => <Skeleton className="h-72 w-full" />,
});

const PAGE_SIZE = 25;
const fetcher = <T,>(url: string) => fetchJson<T>(url);

/** The usage page: daily chart, totals by model, and the request history with its CSV export. */
export function UsageView() {
  const [range, setRange] = useState<UsageRange>("period");
  const daily = useSWR<UsageDailyView>("/api/usage/daily?days=30", fetcher);
  const byModel = useSWR<UsageByModelView>(`/api/usage/by-model?range=${range}`, fetcher, { keepPreviousData: true });
  const history = useSWRInfinite<UsageHistoryView>(
    (index, previous: UsageHistoryView | null) =>
      index === 0 ? `/api/usage/history?range=${range}&limit=${PAGE_SIZE}` : previous?.nextCursor ? `/api/usage/history?range=${range}&limit=${PAGE_SIZE}&cursor=${encodeURIComponent(previous.nextCursor)}` : null,
    fetcher,
  );
  const items = history.data?.flatMap((page) => page.items) ?? [];
  const hasMore = Boolean(history.data?.at(-1)?.nextCursor);
  const totals = (byModel.data ?? []).reduce(
    (sum, m) => ({ tokens: sum.tokens + m.totalTokens, requests: sum.requests + m.requests, cost: sum.cost + m.costUsd }),
    { tokens: 0, requests: 0, cost: 0 },
  );

  return (
    <div className="mx-auto w-full max-w-5xl space-y-6 px-4 py-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">Usage and history</h1>
          <p className="text-sm text-muted-foreground">Every request you made, as it was metered. Days are counted in UTC.</p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <RangeSwitcher value={range} onChange={setRange} />
          <Button asChild variant="outline" size="sm">
            <a href={`/api/usage/export.csv?range=${range}`} download data-testid="export-csv">
              <DownloadIcon aria-hidden="true" /> Export CSV
            </a>
          </Button>
        </div>
      </div>

      <div className="grid gap-4 sm:grid-cols-3" data-testid="usage-totals">
        <Stat label={`Tokens, ${usageRangeLabels[range].toLowerCase()}`} value={byModel.data ? formatNumber(totals.tokens) : null} testId="total-tokens" />
        <Stat label="Requests" value={byModel.data ? formatNumber(totals.requests) : null} />
        <Stat label="Cost" value={byModel.data ? formatCost(totals.cost) : null} />
      </div>

      <Card>
        <CardTitle>Last 30 days</CardTitle>
        <div className="mt-3">
          {daily.error ? <CardDescription>The chart could not be loaded.</CardDescription> : daily.data ? <DailyChart daily={daily.data} /> : <Skeleton className="h-72 w-full" />}
        </div>
      </Card>

      <Card>
        <CardTitle>By model</CardTitle>
        <CardDescription>{usageRangeLabels[range]}</CardDescription>
        <div className="mt-3">
          {byModel.data ? (
            byModel.data.length ? (
              <FiguresTable keyLabel="Model" testId="by-model" label="Usage by model" rows={byModel.data.map((m) => ({ ...m, key: m.model, label: m.model }))} />
            ) : (
              <p className="text-sm text-muted-foreground">No requests in this range.</p>
            )
          ) : byModel.error ? (
            <p className="text-sm text-muted-foreground">Could not be loaded.</p>
          ) : (
            <Skeleton className="h-20 w-full" />
          )}
        </div>
      </Card>

      <Card>
        <CardTitle>Requests</CardTitle>
        <CardDescription>Newest first. Deleting a conversation keeps its requests here.</CardDescription>
        <div className="mt-3">
          {history.error && !items.length ? (
            <p className="text-sm text-muted-foreground">The history could not be loaded.</p>
          ) : history.isLoading ? (
            <Skeleton className="h-40 w-full" />
          ) : items.length === 0 ? (
            <p className="text-sm text-muted-foreground">No requests in this range yet.</p>
          ) : (
            <>
              <Table data-testid="history">
                <TableHeader>
                  <TableRow>
                    <TableHead>Time</TableHead>
                    <TableHead>Model</TableHead>
                    <TableHead className="text-right">Input</TableHead>
                    <TableHead className="text-right">Output</TableHead>
                    <TableHead className="text-right">Total</TableHead>
                    <TableHead className="text-right">Cost</TableHead>
                    <TableHead>Outcome</TableHead>
                    <TableHead>Conversation</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {items.map((item) => (
                    <TableRow key={item.requestId} data-testid="history-row" data-request-id={item.requestId}>
                      <TableCell className="tabular-nums">
                        <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</time>
                      </TableCell>
                      <TableCell>{item.model}</TableCell>
                      <TableCell className="text-right tabular-nums">{formatNumber(item.inputTokens)}</TableCell>
                      <TableCell className="text-right tabular-nums">{formatNumber(item.outputTokens)}</TableCell>
                      <TableCell className="text-right tabular-nums font-medium">{formatNumber(item.totalTokens)}</TableCell>
                      <TableCell className="text-right tabular-nums">{formatCost(item.costUsd)}</TableCell>
                      <TableCell>
                        <OutcomeBadge outcome={item.outcome} />
                      </TableCell>
                      <TableCell>
                        {item.conversationId ? (
                          <Link className="text-primary underline-offset-4 hover:underline" href={`/chat/${item.conversationId}`}>
                            Open
                          </Link>
                        ) : (
                          <span className="text-muted-foreground" title="Deleted, or never saved">
                            —<span className="sr-only">none (deleted or never saved)</span>
                          </span>
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              {hasMore ? (
                <Button variant="outline" size="sm" className="mt-3" disabled={history.isValidating} onClick={() => void history.setSize(history.size + 1)} data-testid="history-more">
                  {history.isValidating ? "Loading…" : "Show older requests"}
                </Button>
              ) : null}
            </>
          )}
        </div>
      </Card>
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: string | null; testId?: string }) {
  return (
    <Card className="p-4">
      <p className="text-sm text-muted-foreground">{label}</p>
      {value === null ? <Skeleton className="mt-1 h-7 w-24" /> : <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>{value}</p>}
    </Card>
  );
}
