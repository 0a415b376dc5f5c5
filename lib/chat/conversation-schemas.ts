import { z } from "zod";
import { dbTimestampSchema } from "@/lib/db/parse-result";
import { outcomes } from "@/lib/metering/schemas";

/**
 * Zod schemas for the conversation routes' input (params, query, bodies) and for the JSON results
 * of the conversation SQL functions (supabase/migrations/*_create_conversations.sql), the latter
 * parsed at the boundary into camelCase objects with Dates.
 */
const isoDate = dbTimestampSchema;

// ---------------------------------------------------------------------------------------------
// Route input
// ---------------------------------------------------------------------------------------------

export const conversationIdSchema = z.uuid("must be a UUID");

/** `[id]` route params: a bad id is a 400 naming `id`. */
export const conversationParamsSchema = z.object({ id: conversationIdSchema });
export type ConversationParams = z.infer<typeof conversationParamsSchema>;

export const conversationTitleSchema = z.string().trim().min(1, "must not be empty").max(200, "at most 200 characters");

export const renameConversationSchema = z.strictObject({ title: conversationTitleSchema });
export type RenameConversation = z.infer<typeof renameConversationSchema>;

/** GET /api/conversations?limit=1..100&before=<ISO datetime, the previous page's nextBefore>. */
export const listConversationsQuerySchema = z.object({
  limit: z.coerce.number("must be a number").int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").optional(),
  before: isoDate.optional(),
});
export type ListConversationsQuery = z.infer<typeof listConversationsQuerySchema>;

// ---------------------------------------------------------------------------------------------
// SQL results
// ---------------------------------------------------------------------------------------------

const summaryShape = {
  id: z.uuid(),
  title: z.string(),
  model: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
  message_count: z.number().int(),
};

function toSummary(raw: z.infer<z.ZodObject<typeof summaryShape>>) {
  return {
    id: raw.id,
    title: raw.title,
    model: raw.model,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    messageCount: raw.message_count,
  };
}

export const conversationSummarySchema = z.object(summaryShape).transform(toSummary);
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const messageRoles = ["user", "assistant", "system"] as const;
export type MessageRole = (typeof messageRoles)[number];

/** What an assistant message's request was charged: its row in the usage ledger (*_add_message_usage.sql). */
export const messageUsageSchema = z
  .object({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative(),
    cost_usd: z.number().nonnegative().nullable(),
    outcome: z.enum(outcomes),
  })
  .transform((raw) => ({
    inputTokens: raw.input_tokens,
    outputTokens: raw.output_tokens,
    totalTokens: raw.total_tokens,
    costUsd: raw.cost_usd,
    outcome: raw.outcome,
  }));
export type MessageUsage = z.infer<typeof messageUsageSchema>;

export const storedMessageSchema = z
  .object({
    id: z.number().int(),
    role: z.enum(messageRoles),
    content: z.string(),
    model: z.string().nullable(),
    request_id: z.string().nullable(),
    created_at: isoDate,
    /**
     * null for user and system messages and for a reply whose request is not settled yet. Absent
     * (so: null) only from a database without the migration, which must not break reading a conversation.
     */
    usage: messageUsageSchema.nullable().default(null),
  })
  .transform((raw) => ({
    id: raw.id,
    role: raw.role,
    content: raw.content,
    model: raw.model,
    requestId: raw.request_id,
    createdAt: raw.created_at,
    usage: raw.usage,
  }));
export type StoredMessage = z.infer<typeof storedMessageSchema>;

export const conversationSchema = z
  .object({ ...summaryShape, messages: z.array(storedMessageSchema) })
  .transform((raw) => ({ ...toSummary(raw), messages: raw.messages }));
export type Conversation = z.infer<typeof conversationSchema>;

export const conversationPageSchema = z
  .object({ items: z.array(conversationSummarySchema), next_before: isoDate.nullable() })
  .transform((raw) => ({ items: raw.items, nextBefore: raw.next_before }));
export type ConversationPage = z.infer<typeof conversationPageSchema>;

export const savedExchangeSchema = z
  .object({ conversation_id: z.uuid(), title: z.string(), created: z.boolean(), appended: z.boolean() })
  .transform((raw) => ({ conversationId: raw.conversation_id, title: raw.title, created: raw.created, appended: raw.appended }));
export type SavedExchange = z.infer<typeof savedExchangeSchema>;

export const conversationExistsSchema = z.object({ exists: z.boolean() });

export const deletedConversationSchema = z.object({ deleted: z.literal(true) });
