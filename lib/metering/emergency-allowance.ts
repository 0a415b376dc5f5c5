import "server-only";
import { MIN_OUTPUT_TOKENS } from "@/lib/metering/check-quota";
import { countChatTokens, type ChatTextMessage } from "@/lib/metering/tokenizer";

/**
 * METERING_FAIL_MODE=open: when the quota cannot be checked (the database is unreachable), a chat may
 * still go through against this small allowance, kept in this server instance's memory (the one piece
 * of metering state that is: the database it would live in is the thing that is away). Each instance
 * grants at most `perUserTokens` to a user and `totalTokens` in all until the database answers again
 * (a reserve succeeds), when it is whole again. The usage of such chats is charged when the database is
 * back (the spool), possibly past the user's cap: that is the risk of `open`, and why `closed` is the default.
 */
export type EmergencyAllowance = {
  /** Takes the prompt plus up to `maxOutputTokens`; null when not even the prompt and a short reply fit. */
  take(request: { userId: string; messages: readonly ChatTextMessage[]; maxOutputTokens?: number }): EmergencyGrant | null;
  /** Returns what a reply did not use. */
  giveBack(userId: string, tokens: number): void;
  /** The database answered: the outage is over. */
  reset(): void;
};

export type EmergencyGrant = { promptTokens: number; maxOutputTokens: number; reserved: number };

export function createEmergencyAllowance(limits: { perUserTokens: number; totalTokens: number }): EmergencyAllowance {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    take({ userId, messages, maxOutputTokens }) {
      const promptTokens = countChatTokens(messages);
      const left = Math.min(limits.perUserTokens - (byUser.get(userId) ?? 0), limits.totalTokens - total);
      const output = Math.min(maxOutputTokens ?? Number.MAX_SAFE_INTEGER, left - promptTokens);
      if (output < MIN_OUTPUT_TOKENS) return null;
      const reserved = promptTokens + output;
      byUser.set(userId, (byUser.get(userId) ?? 0) + reserved);
      total += reserved;
      return { promptTokens, maxOutputTokens: output, reserved };
    },
    giveBack(userId, tokens) {
      const used = byUser.get(userId);
      if (used === undefined || tokens <= 0) return;
      const back = Math.min(tokens, used);
      byUser.set(userId, used - back);
      total -= back;
    },
    reset() {
      if (total === 0 && byUser.size === 0) return;
      byUser.clear();
      total = 0;
    },
  };
}
