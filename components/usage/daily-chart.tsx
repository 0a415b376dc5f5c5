"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { gridProps, tooltipContentStyle, utcDayLabel, xAxisProps, yAxisProps } from "@/components/usage/chart-style";
import { formatCompact, formatNumber } from "@/lib/client/format";
import type { UsageDailyView } from "@/lib/client/usage";

const COLOURS = ["var(--primary)", "oklch(0.7 0.15 150)", "oklch(0.75 0.15 75)", "oklch(0.62 0.2 330)", "oklch(0.65 0.12 200)", "oklch(0.55 0.05 265)"];

/** Daily tokens for the last 30 days, stacked by model, with the same figures as a table for screen readers. */
export function DailyChart({ daily }: { daily: UsageDailyView }) {
  const rows = daily.days.map((day) => ({
    date: day.date,
    label: utcDayLabel(day.date),
    ...Object.fromEntries(daily.models.map((model) => [model, day.byModel[model]?.tokens ?? 0])),
    total: day.totalTokens,
  }));
  const total = daily.days.reduce((sum, day) => sum + day.totalTokens, 0);
  return (
    <figure className="space-y-2" data-testid="daily-chart" data-total={total}>
      <figcaption className="text-sm text-muted-foreground">
        Tokens per day (UTC), last {daily.days.length} days: {formatNumber(total)} in all.
      </figcaption>
      <div className="h-64 w-full" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid {...gridProps} />
            <XAxis dataKey="label" {...xAxisProps} />
            <YAxis {...yAxisProps} tickFormatter={(v: number) => formatCompact(v)} />
            <Tooltip cursor={{ fill: "var(--muted)" }} contentStyle={tooltipContentStyle} formatter={(value) => formatNumber(Number(value))} />
            {daily.models.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
            {daily.models.map((model, i) => (
              <Bar key={model} dataKey={model} stackId="tokens" fill={COLOURS[i % COLOURS.length]} radius={i === daily.models.length - 1 ? [3, 3, 0, 0] : 0} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>Tokens per day and model</caption>
        <thead>
          <tr>
            <th>Day (UTC)</th>
            {daily.models.map((model) => (
              <th key={model}>{model}</th>
            ))}
            <th>Total</th>
          </tr>
        </thead>
        <tbody>
          {daily.days
            .filter((day) => day.totalTokens > 0)
            .map((day) => (
              <tr key={day.date}>
                <td>{day.date}</td>
                {daily.models.map((model) => (
                  <td key={model}>{day.byModel[model]?.tokens ?? 0}</td>
                ))}
                <td>{day.totalTokens}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}
