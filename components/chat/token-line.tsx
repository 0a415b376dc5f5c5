"use client";

import { useLocale } from "@/hooks/use-locale";
import type { MessageUsageView } from "@/lib/client/conversations";
import { formatNumber } from "@/lib/client/format";

/** Under each reply: what it cost in tokens, as the ledger recorded it. */
export function TokenLine({ usage }: { usage: MessageUsageView }) {
  const locale = useLocale();
  return (
    <p className="text-xs tabular-nums text-muted-foreground" data-testid="message-tokens">
      <span data-testid="message-input-tokens">{formatNumber(usage.inputTokens, locale)}</span> in ·{" "}
      <span data-testid="message-output-tokens">{formatNumber(usage.outputTokens, locale)}</span> out ·{" "}
      <span data-testid="message-total-tokens">{formatNumber(usage.totalTokens, locale)}</span> tokens
      {usage.pending ? (
        <span
          className="text-warning-foreground"
          data-testid="message-usage-pending"
          title="Our database could not be reached when this reply ended. Its usage is kept on the server and counted when the database is back."
        >
          {" "}
          · not recorded yet: counted when our database is back
        </span>
      ) : null}
    </p>
  );
}
