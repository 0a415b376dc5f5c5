import "server-only";
import path from "node:path";
import type OpenAI from "openai";
import { getEnv } from "@/lib/env";
import { getLlmClient } from "@/lib/llm/client";
import { createEmergencyAllowance, type EmergencyAllowance } from "@/lib/metering/emergency-allowance";
import { createFileSpool, type FileSpool } from "@/lib/spool/file-spool";

/** What a chat request needs besides the database: the model client and its limits, from configuration. */
export type ChatSettings = {
  llm: OpenAI;
  rateLimitPerMinute: number;
  firstTokenTimeoutMs: number;
  streamIdleTimeoutMs: number;
  maxStreamMs: number;
  /** How long a settle retries before the settlement is spooled. */
  settleRetryMs: number;
  /** Where settlements the database could not take wait to be replayed. */
  spool: FileSpool;
  /** Set when METERING_FAIL_MODE=open: what chats may use while the quota cannot be checked. */
  emergency: EmergencyAllowance | null;
};

let spool: FileSpool | undefined;
let emergency: EmergencyAllowance | null | undefined;

/** This instance's spool (one directory per deployment; instances on one machine may share it). */
export function getSettlementSpool(): FileSpool {
  spool ??= createFileSpool(path.resolve(getEnv().METERING_SPOOL_DIR));
  return spool;
}

export function getChatSettings(): ChatSettings {
  const env = getEnv();
  emergency ??=
    env.METERING_FAIL_MODE === "open"
      ? createEmergencyAllowance({ perUserTokens: env.METERING_EMERGENCY_USER_TOKENS, totalTokens: env.METERING_EMERGENCY_TOKENS })
      : null;
  return {
    llm: getLlmClient(),
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    firstTokenTimeoutMs: env.LLM_TIMEOUT_MS,
    streamIdleTimeoutMs: env.LLM_STREAM_IDLE_TIMEOUT_MS,
    maxStreamMs: env.LLM_MAX_STREAM_MS,
    settleRetryMs: env.METERING_SETTLE_RETRY_MS,
    spool: getSettlementSpool(),
    emergency,
  };
}
