import type { ErrorCode } from "@/lib/client/errors";
import type { TokenStatusView } from "@/lib/client/token-status";

/** The events of POST /api/chat's response body, one JSON object per line (NDJSON). */
export type ChatEvent =
  | { type: "start"; requestId: string; conversationId: string; model: string; maxOutputTokens: number }
  | { type: "delta"; text: string }
  /** The reply failed mid-stream; `done` still follows with what was charged. */
  | { type: "error"; error: { code: ErrorCode; message: string } }
  | {
      type: "done";
      outcome: "ok" | "aborted" | "error";
      conversationId: string;
      usage: { inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number | null };
      /** The allowance after this reply was settled; null when the settlement could not be confirmed. */
      status: TokenStatusView | null;
      /**
       * false: the database could not be reached when the reply ended. The usage is kept on the server
       * and is recorded (charged, and the conversation saved) when the database is back.
       */
      recorded: boolean;
    };
