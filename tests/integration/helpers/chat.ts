import type pg from "pg";
import { expect } from "vitest";
import type { ChatEvent } from "@/lib/client/chat-events";

/** Reads an NDJSON chat response to the end. */
export async function readEvents(response: Response): Promise<ChatEvent[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ChatEvent);
}

export function streamedText(events: ChatEvent[]): string {
  return events.map((event) => (event.type === "delta" ? event.text : "")).join("");
}

export type LedgerRow = {
  request_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  plan_tokens: number;
  balance_tokens: number;
  cost_usd: number | null;
  latency_ms: number | null;
  outcome: string;
};

export async function ledgerRows(db: pg.Pool, userId: string): Promise<LedgerRow[]> {
  const { rows } = await db.query<LedgerRow>(
    `select request_id, model, input_tokens::int, output_tokens::int, total_tokens::int, plan_tokens::int, balance_tokens::int,
            cost_usd::float8, latency_ms, outcome
       from public.usage_ledger where user_id = $1 order by id`,
    [userId],
  );
  return rows;
}

export async function holdCount(db: pg.Pool, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from public.reservations where user_id = $1", [userId]);
  return rows[0]!.n;
}

/** Settling after an abort happens after the response ends: wait until the ledger has `count` rows. */
export async function waitForLedger(db: pg.Pool, userId: string, count = 1, timeoutMs = 5000): Promise<LedgerRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await ledgerRows(db, userId);
    if (rows.length >= count || Date.now() > deadline) {
      expect(rows).toHaveLength(count);
      return rows;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
