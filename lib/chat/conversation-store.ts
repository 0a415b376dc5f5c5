import "server-only";
import { parseDbResult } from "@/lib/db/parse-result";
import type { RpcClient } from "@/lib/db/rpc";
import { AppError } from "@/lib/errors";
import {
  conversationExistsSchema,
  conversationPageSchema,
  conversationSchema,
  conversationSummarySchema,
  deletedConversationSchema,
  savedExchangeSchema,
  type Conversation,
  type ConversationPage,
  type ConversationSummary,
  type SavedExchange,
} from "@/lib/chat/conversation-schemas";

/**
 * The conversation store: typed calls to the conversation SQL functions over the database port.
 * Every call is scoped to `userId`, which callers take from the verified session (withUser), never
 * from a request body. Another user's conversation is "not found", exactly like a missing one.
 */

export type SaveChatExchangeInput = {
  userId: string;
  conversationId: string;
  /** Names a new conversation only (trimmed, cut to 200 characters; "New conversation" when blank). */
  title: string;
  model: string | null;
  userMessage: string;
  /** Stored only when not empty (a stream that produced nothing leaves just the user message). */
  assistantMessage: string;
  /** The chat request's id: a retry with the same id appends nothing. */
  requestId: string;
};

export type ListConversationsOptions = { limit?: number; before?: Date };

export function createConversationStore(rpc: RpcClient) {
  return {
    /** Creates the conversation if needed and appends the exchange. Throws not_found if the id is another user's. */
    async saveChatExchange(input: SaveChatExchangeInput): Promise<SavedExchange> {
      const result = await withNotFound(() =>
        rpc.call("save_chat_exchange", {
          p_user_id: input.userId,
          p_conversation_id: input.conversationId,
          p_title: input.title,
          p_model: input.model,
          p_user_message: input.userMessage,
          p_assistant_message: input.assistantMessage,
          p_request_id: input.requestId,
        }),
      );
      return parseDbResult(savedExchangeSchema, result);
    },

    /** Throws AppError not_found unless the conversation exists and is the user's. Call before the model. */
    async assertConversationOwned(userId: string, conversationId: string): Promise<void> {
      const result = parseDbResult(
        conversationExistsSchema,
        await rpc.call("conversation_exists", { p_user_id: userId, p_conversation_id: conversationId }),
      );
      if (!result.exists) throw conversationNotFound();
    },

    /** Newest first. Pass `nextBefore` back as `before` for the next page; it is null on the last one. */
    async listConversations(userId: string, options: ListConversationsOptions = {}): Promise<ConversationPage> {
      return parseDbResult(
        conversationPageSchema,
        await rpc.call("list_conversations", { p_user_id: userId, p_limit: options.limit, p_before: options.before?.toISOString() }),
      );
    },

    async getConversation(userId: string, conversationId: string): Promise<Conversation> {
      const result = await withNotFound(() => rpc.call("get_conversation", { p_user_id: userId, p_conversation_id: conversationId }));
      return parseDbResult(conversationSchema, result);
    },

    async renameConversation(userId: string, conversationId: string, title: string): Promise<ConversationSummary> {
      const result = await withNotFound(() =>
        rpc.call("rename_conversation", { p_user_id: userId, p_conversation_id: conversationId, p_title: title }),
      );
      return parseDbResult(conversationSummarySchema, result);
    },

    /** Deletes the conversation and its messages. Throws not_found if missing or not the user's. */
    async deleteConversation(userId: string, conversationId: string): Promise<void> {
      parseDbResult(
        deletedConversationSchema,
        await withNotFound(() => rpc.call("delete_conversation", { p_user_id: userId, p_conversation_id: conversationId })),
      );
    },
  };
}

export type ConversationStore = ReturnType<typeof createConversationStore>;

export function conversationNotFound(cause?: unknown): AppError {
  return new AppError("not_found", "Conversation not found.", { cause });
}

/** The SQL functions raise P0002 ("<function>: conversation not found"); users get one plain message. */
async function withNotFound<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") throw conversationNotFound(error);
    throw error;
  }
}
