"use client";

import { useEffect } from "react";
import { notify } from "@/lib/client/notify";
import { useSetTokenStatus } from "@/hooks/use-token-status";
import { fetchJson } from "@/lib/client/fetch-json";
import { describeReset } from "@/lib/client/format";
import type { TokenStatusView } from "@/lib/client/token-status";

/** Crossings shown in this tab (several gauges may be mounted: the sidebar and the phone drawer). */
const shown = new Set<string>();

/**
 * Shows each 80% / 95% crossing the server recorded once, then acknowledges it, so no other tab,
 * reload or device shows it again. The record lives in Postgres (usage_alerts); a new period starts clean.
 */
export function useThresholdToasts(status: TokenStatusView | undefined) {
  const setStatus = useSetTokenStatus();
  useEffect(() => {
    if (!status?.alerts?.length) return;
    const fresh = status.alerts.filter((alert) => !shown.has(`${status.periodStart}:${alert.threshold}`));
    if (!fresh.length) return;
    for (const alert of fresh) shown.add(`${status.periodStart}:${alert.threshold}`);
    // Crossing both at once shows the higher one: one toast, both acknowledged.
    const highest = Math.max(...fresh.map((alert) => alert.threshold));
    const allowance = status.period === "day" ? "daily" : "monthly";
    const message = `You have used ${highest}% of your ${allowance} allowance`;
    const description = `${describeReset(new Date(status.resetsAt), status.period)}.${status.balance > 0 ? " Your balance is used after that." : ""}`;
    if (highest >= 95) notify("error", message, { description, duration: 10_000 });
    else notify("warning", message, { description, duration: 8_000 });
    void fetchJson<TokenStatusView>("/api/tokens/alerts/ack", { method: "POST", json: { thresholds: fresh.map((alert) => alert.threshold) } })
      .then((next) => setStatus(next))
      .catch(() => {
        // Not acknowledged: another tab may show it once more. Nothing else to do.
      });
  }, [status, setStatus]);
}
