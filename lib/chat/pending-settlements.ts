import "server-only";
import { z } from "zod";
import type { ChatStore } from "@/lib/chat/chat-store";
import type { SaveChatExchangeInput } from "@/lib/chat/conversation-store";
import { AppError } from "@/lib/errors";
import { outcomes } from "@/lib/metering/schemas";
import type { MeteringStore, SettleInput } from "@/lib/metering/store";
import type { FileSpool } from "@/lib/spool/file-spool";

/**
 * Chat settlements the database could not take when the reply ended (it was down, frozen or out of
 * reach for longer than the settle retries): the usage to charge and the exchange to store, kept in
 * the local spool (lib/spool/file-spool.ts) and replayed when the database answers again, at start
 * and every few seconds, through finish_chat as a live request records itself. Replays are idempotent
 * by request id: settle_tokens charges once (and, after the sweeper settled the silent hold at its
 * last checkpoint, charges what it missed, once), and save_chat_exchange appends an exchange once. So a record replayed twice, by two instances sharing
 * the directory or after a crash between delivery and removal, changes nothing.
 */
export type PendingSettlement = {
  settle: SettleInput & { at: Date };
  exchange: SaveChatExchangeInput | null;
};

const SPOOL_VERSION = 1;
const tokens = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const text = z.string().min(1).max(1_000);

/** A record as read back from disk: checked like any other input. */
const pendingSettlementSchema = z.object({
  version: z.literal(SPOOL_VERSION),
  settle: z.object({
    requestId: text,
    userId: text,
    model: text,
    inputTokens: tokens,
    outputTokens: tokens,
    costUsd: z.number().min(0).nullish(),
    latencyMs: tokens.nullish(),
    outcome: z.enum(outcomes),
    at: z.iso.datetime().transform((value) => new Date(value)),
  }),
  exchange: z
    .object({
      userId: text,
      conversationId: z.uuid(),
      title: z.string().max(1_000),
      model: text.nullable(),
      userMessage: z.string(),
      assistantMessage: z.string(),
      requestId: text,
    })
    .nullable(),
});

/** Codes that no later attempt can change: the record is set aside (failed/) for a person to look at. */
const PERMANENT = new Set(["bad_request", "forbidden", "not_found", "conflict"]);

/**
 * Keeps the settlement durably (fsynced before this returns). false when even that failed (a full or
 * read-only disk): the figures are then logged, the last trace left.
 */
export async function spoolSettlement(spool: FileSpool, pending: PendingSettlement): Promise<boolean> {
  const { settle } = pending;
  try {
    await spool.put(recordId(settle.at, settle.requestId), { version: SPOOL_VERSION, ...pending });
    console.warn(`[metering] the database is unreachable: the settlement of ${settle.requestId} (${settle.inputTokens + settle.outputTokens} tokens) is spooled in ${spool.dir}`);
    return true;
  } catch (error) {
    console.error(`[metering] could not spool the settlement of ${settle.requestId}: ${JSON.stringify(settle)}`, error);
    return false;
  }
}

export type ReplayReport = { replayed: number; setAside: number; waiting: number };

/**
 * Delivers what the spool holds, oldest first. Stops at the first call the database cannot take (it
 * is still away: the rest waits for the next round). A record that can never be delivered (a bad
 * record, a request of another user) is set aside; an exchange for a conversation that is another
 * user's is not stored (its usage is still charged).
 */
export async function replayPendingSettlements(
  spool: FileSpool,
  stores: { metering: MeteringStore; chat: ChatStore },
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: 0, setAside: 0, waiting: 0 };
  const ids = await spool.list();
  for (const [index, id] of ids.entries()) {
    const raw = await spool.read(id);
    if (raw === undefined) continue; // delivered meanwhile by another instance, or half-written by a crash
    const parsed = pendingSettlementSchema.safeParse(raw);
    if (!parsed.success) {
      await spool.quarantine(id, `not a pending settlement: ${parsed.error.message}`);
      report.setAside++;
      continue;
    }
    const { settle, exchange } = parsed.data;
    try {
      if (exchange) await stores.chat.finishChat(settle, exchange);
      else await stores.metering.settleTokens(settle);
      await spool.remove(id);
      report.replayed++;
    } catch (error) {
      if (error instanceof AppError && PERMANENT.has(error.code)) {
        await spool.quarantine(id, `${error.code}: ${error.message}`);
        report.setAside++;
        continue;
      }
      if (error instanceof AppError && error.code === "unavailable") {
        report.waiting += ids.length - index;
        break;
      }
      // Anything else may pass next round; it must not hold up the records behind it.
      console.error(`[metering] spool: ${id} failed, kept for the next round`, error instanceof Error ? error.message : error);
      report.waiting++;
    }
  }
  return report;
}

const REPLAY_INTERVAL_MS = 5_000;

/**
 * Replays the spool now (a restarted server delivers what it kept) and then every ~5 s, until
 * stopped. An empty spool costs one directory read per round and no database call.
 */
export function startSettlementReplayer(
  spool: FileSpool,
  stores: { metering: MeteringStore; chat: ChatStore },
  options: { intervalMs?: number } = {},
): () => void {
  const intervalMs = options.intervalMs ?? REPLAY_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    try {
      const report = await replayPendingSettlements(spool, stores);
      if (report.replayed + report.setAside > 0) {
        console.warn(`[metering] spool: ${report.replayed} settlement(s) recorded, ${report.setAside} set aside, ${report.waiting} waiting`);
      }
    } catch (error) {
      console.error("[metering] spool replay failed; retrying", error instanceof Error ? error.message : error);
    }
    if (stopped) return;
    timer = setTimeout(run, intervalMs * (0.75 + Math.random() / 2));
    timer.unref();
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Time first, so the oldest replays first; the request id keeps it unique and findable. */
function recordId(at: Date, requestId: string): string {
  return `${at.getTime().toString(36).padStart(9, "0")}_${requestId.replace(/[^A-Za-z0-9_-]/g, "")}`;
}
