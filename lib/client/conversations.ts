/** The conversation routes' JSON as the browser receives it (times are ISO strings). */
export type ConversationSummaryView = {
  id: string;
  title: string;
  model: string | null;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
};

export type MessageUsageView = {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number | null;
  outcome: "ok" | "aborted" | "error";
  /** Only on a reply just streamed: its usage is not in the ledger yet (the database was away); it will be. */
  pending?: boolean;
};

export type StoredMessageView = {
  id: number;
  role: "user" | "assistant" | "system";
  content: string;
  model: string | null;
  requestId: string | null;
  createdAt: string;
  /** An assistant message's metered usage (from the ledger); null for user messages. */
  usage?: MessageUsageView | null;
};

export type ConversationView = ConversationSummaryView & { messages: StoredMessageView[] };

export type ConversationPageView = { items: ConversationSummaryView[]; nextBefore: string | null };

export const CONVERSATIONS_KEY = "/api/conversations";
