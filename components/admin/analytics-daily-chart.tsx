"use client";

import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { gridProps, tooltipContentStyle, utcDayLabel, xAxisProps, yAxisProps } from "@/components/usage/chart-style";
import type { DailyAnalytics } from "@/lib/client/admin-analytics";
import { formatCompact, formatNumber } from "@/lib/client/format";

/** Tokens per UTC day over the range (the table beside it has the same figures for screen readers). */
export default function AnalyticsDailyChart({ rows }: { rows: DailyAnalytics["rows"] }) {
  const data = rows.map((row) => ({ ...row, label: utcDayLabel(row.day) }));
  return (
    <div className="h-56 w-full" aria-hidden="true" data-testid="analytics-daily-chart">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid {...gridProps} />
          <XAxis dataKey="label" {...xAxisProps} />
          <YAxis {...yAxisProps} tickFormatter={(v: number) => formatCompact(v)} />
          <Tooltip cursor={{ stroke: "var(--border)" }} contentStyle={tooltipContentStyle} formatter={(value) => [formatNumber(Number(value)), "Tokens"]} />
          <Area type="monotone" dataKey="totalTokens" stroke="var(--primary)" fill="var(--primary)" fillOpacity={0.15} strokeWidth={2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
