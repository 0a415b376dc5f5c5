"use client";

import { DownloadIcon } from "lucide-react";
import dynamic from "next/dynamic";
import { useState, type ReactNode } from "react";
import useSWR from "swr";
import { AnalyticsRangePicker } from "@/components/admin/analytics-range";
import { SpikesTable, UserLink } from "@/components/admin/analytics-tables";
import { DataState, TableSkeleton } from "@/components/admin/data-state";
import { PageHeader } from "@/components/admin/page-header";
import { Button } from "@/components/ui/button";
import { FiguresTable } from "@/components/usage/figures-table";
import { Card, CardDescription, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import {
  analyticsCsvUrl,
  analyticsUrl,
  lastDays,
  USERS_LIMIT,
  type AnalyticsRange,
  type AnalyticsView as View,
  type DailyAnalytics,
  type ModelAnalytics,
  type SpikeAnalytics,
  type UserAnalytics,
} from "@/lib/client/admin-analytics";
import { getJson } from "@/lib/client/fetch-json";
import { formatCost, formatNumber } from "@/lib/client/format";

// recharts only with this card, never with the rest of the app.
const DailyChart = dynamic(() => import("@/components/admin/analytics-daily-chart"), { ssr: false, loading: () => <Skeleton className="h-56 w-full" /> });

function useAnalytics<T>(view: View, range: AnalyticsRange) {
  return useSWR<T>(analyticsUrl(view, range), getJson, { keepPreviousData: true });
}

/** Requests, tokens and cost over a date range: by day, by model, top users, and today's spikes; each as CSV. */
export function AnalyticsView() {
  const [range, setRange] = useState<AnalyticsRange>(() => lastDays(30));
  const daily = useAnalytics<DailyAnalytics>("daily", range);
  const models = useAnalytics<ModelAnalytics>("models", range);
  const users = useAnalytics<UserAnalytics>("users", range);
  const spikes = useAnalytics<SpikeAnalytics>("spikes", range);
  const totals = daily.data?.totals;

  return (
    <div className="space-y-4">
      <PageHeader title="Analytics" description={`Everyone's usage from ${range.from} to ${range.to} (UTC days, both counted).`}>
        <AnalyticsRangePicker value={range} onChange={setRange} />
      </PageHeader>

      <div className="grid gap-3 sm:grid-cols-3" data-testid="analytics-totals">
        <Total label="Tokens" value={totals ? formatNumber(totals.totalTokens) : null} raw={totals?.totalTokens} failed={Boolean(daily.error)} testId="analytics-total-tokens" />
        <Total label="Requests" value={totals ? formatNumber(totals.requests) : null} raw={totals?.requests} failed={Boolean(daily.error)} testId="analytics-total-requests" />
        <Total label="Cost" value={totals ? formatCost(totals.costUsd) : null} raw={totals?.costUsd} failed={Boolean(daily.error)} testId="analytics-total-cost" />
      </div>

      <AnalyticsCard title="By day" description="Every day in the range, days without requests included." view="daily" range={range}>
        <DataState what="daily usage" data={daily.data} error={daily.error} onRetry={() => void daily.mutate()} skeleton={<Skeleton className="h-56 w-full" />}>
          {(data) => (
            <div className="space-y-3">
              <DailyChart rows={data.rows} />
              <div className="max-h-80 overflow-y-auto rounded-md border">
                <FiguresTable keyLabel="Day (UTC)" testId="analytics-daily-table" label="Usage by day" rows={[...data.rows].reverse().map((row) => ({ ...row, key: row.day, label: row.day }))} />
              </div>
            </div>
          )}
        </DataState>
      </AnalyticsCard>

      <div className="grid gap-4 lg:grid-cols-2">
        <AnalyticsCard title="By model" description="Most tokens first." view="models" range={range}>
          <DataState what="usage by model" data={models.data?.rows} error={models.error} onRetry={() => void models.mutate()} isEmpty={(rows) => rows.length === 0} empty="No requests in this range." skeleton={<TableSkeleton rows={3} />}>
            {(rows) => <FiguresTable keyLabel="Model" testId="analytics-models-table" label="Usage by model" rows={rows.map((row) => ({ ...row, key: row.model, label: row.model }))} />}
          </DataState>
        </AnalyticsCard>

        <AnalyticsCard title="Top users" description={`The ${USERS_LIMIT} users with the most tokens.`} view="users" range={range}>
          <DataState what="top users" data={users.data?.rows} error={users.error} onRetry={() => void users.mutate()} isEmpty={(rows) => rows.length === 0} empty="No requests in this range." skeleton={<TableSkeleton rows={3} />}>
            {(rows) => <FiguresTable keyLabel="User" testId="analytics-users-table" label="Top users" rows={rows.map((row) => ({ ...row, key: row.userId, label: <UserLink userId={row.userId} /> }))} />}
          </DataState>
        </AnalyticsCard>
      </div>

      <AnalyticsCard
        title="Spending spikes"
        description={`Users whose spend today${spikes.data ? ` (${spikes.data.day}, UTC)` : ""} is more than twice their daily average over the last 30 days.`}
        view="spikes"
        range={range}
      >
        <DataState what="spending spikes" data={spikes.data?.rows} error={spikes.error} onRetry={() => void spikes.mutate()} isEmpty={(rows) => rows.length === 0} empty="No spikes today." skeleton={<TableSkeleton rows={2} />}>
          {(rows) => <SpikesTable rows={rows} />}
        </DataState>
      </AnalyticsCard>
    </div>
  );
}

function AnalyticsCard({ title, description, view, range, children }: { title: string; description: string; view: View; range: AnalyticsRange; children: ReactNode }) {
  return (
    <Card className="space-y-3 p-3 sm:p-5" data-testid={`analytics-${view}`}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <CardTitle>{title}</CardTitle>
          <CardDescription>{description}</CardDescription>
        </div>
        <Button asChild variant="outline" size="sm">
          <a href={analyticsCsvUrl(view, range)} download data-testid={`analytics-csv-${view}`}>
            <DownloadIcon aria-hidden="true" /> Download CSV<span className="sr-only">: {title.toLowerCase()}</span>
          </a>
        </Button>
      </div>
      {children}
    </Card>
  );
}

function Total({ label, value, raw, failed, testId }: { label: string; value: string | null; raw?: number; failed: boolean; testId: string }) {
  return (
    <Card className="p-4">
      <p className="text-sm text-muted-foreground">{label}</p>
      {value !== null ? (
        <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId} data-value={raw}>
          {value}
        </p>
      ) : failed ? (
        <p className="mt-1 text-2xl font-semibold text-muted-foreground" data-testid={testId}>
          —<span className="sr-only">not available</span>
        </p>
      ) : (
        <Skeleton className="mt-1 h-8 w-24" />
      )}
    </Card>
  );
}
