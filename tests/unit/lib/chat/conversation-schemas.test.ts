import { describe, expect, it } from "vitest";
import { conversationSchema } from "@/lib/chat/conversation-schemas";

const summary = {
  id: "7f0b7a43-52a4-4a5f-9d3c-0f7a2b8f6c11",
  title: "Lighthouses",
  model: "openai/gpt-4o-mini",
  created_at: "2026-12-02T10:00:00.000Z",
  updated_at: "2026-12-02T10:00:00.000Z",
  message_count: 2,
};

describe("conversationSchema: usage per message", () => {
  it("gives an assistant message its ledger figures in camelCase, and a user message null", () => {
    const conversation = conversationSchema.parse({
      ...summary,
      messages: [
        { id: 1, role: "user", content: "hi", model: null, request_id: "r1", created_at: "2026-12-02T10:00:00.000Z", usage: null },
        {
          id: 2,
          role: "assistant",
          content: "hello",
          model: "openai/gpt-4o-mini",
          request_id: "r1",
          created_at: "2026-12-02T10:00:00.000Z",
          usage: { input_tokens: 8, output_tokens: 12, total_tokens: 20, cost_usd: 0.0000084, outcome: "aborted" },
        },
      ],
    });
    expect(conversation.messages.map((m) => m.usage)).toEqual([
      null,
      { inputTokens: 8, outputTokens: 12, totalTokens: 20, costUsd: 0.0000084, outcome: "aborted" },
    ]);
  });

  it("keeps a null cost and rejects an unknown outcome", () => {
    const message = (usage: unknown) => ({ ...summary, messages: [{ id: 2, role: "assistant", content: "x", model: null, request_id: "r", created_at: summary.created_at, usage }] });
    expect(conversationSchema.parse(message({ input_tokens: 1, output_tokens: 0, total_tokens: 1, cost_usd: null, outcome: "ok" })).messages[0]!.usage).toMatchObject({
      costUsd: null,
    });
    expect(conversationSchema.safeParse(message({ input_tokens: 1, output_tokens: 0, total_tokens: 1, cost_usd: null, outcome: "lost" })).success).toBe(false);
  });
});
