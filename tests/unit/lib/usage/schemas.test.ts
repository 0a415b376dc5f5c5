import { describe, expect, it } from "vitest";
import { usageByModelSchema, usageDailySchema, usageHistoryPageSchema } from "@/lib/usage/schemas";

describe("usage SQL results", () => {
  it("a history page becomes camelCase items and a position carrying the listing's clock", () => {
    const page = usageHistoryPageSchema.parse({
      items: [
        {
          request_id: "req_1",
          created_at: "2026-12-01T10:00:00.123Z",
          model: "openai/gpt-4o-mini",
          input_tokens: 10,
          output_tokens: 20,
          total_tokens: 30,
          cost_usd: 0.00001,
          outcome: "aborted",
          conversation_id: null,
        },
      ],
      next_cursor: { created_at: "2026-12-01T10:00:00.123456Z", id: 7 },
      range: { from: "2026-11-25T08:00:00.000Z", to: "2026-12-02T08:00:00.000Z" },
      as_of: "2026-12-02T08:00:00.000001Z",
    });
    expect(page).toEqual({
      items: [
        {
          createdAt: "2026-12-01T10:00:00.123Z",
          model: "openai/gpt-4o-mini",
          inputTokens: 10,
          outputTokens: 20,
          totalTokens: 30,
          costUsd: 0.00001,
          outcome: "aborted",
          conversationId: null,
          requestId: "req_1",
        },
      ],
      range: { from: "2026-11-25T08:00:00.000Z", to: "2026-12-02T08:00:00.000Z" },
      next: { createdAt: "2026-12-01T10:00:00.123456Z", id: 7, asOf: "2026-12-02T08:00:00.000001Z" },
    });
  });

  it("the last page has no position", () => {
    const page = usageHistoryPageSchema.parse({
      items: [],
      next_cursor: null,
      range: { from: "2026-11-25T08:00:00.000Z", to: "2026-12-02T08:00:00.000Z" },
      as_of: "2026-12-02T08:00:00.000000Z",
    });
    expect(page.next).toBeNull();
  });

  it("daily totals become camelCase days keyed by model", () => {
    expect(
      usageDailySchema.parse({
        from: "2026-12-01T00:00:00.000Z",
        to: "2026-12-02T08:00:00.000Z",
        days: [
          { date: "2026-12-01", by_model: {}, total_tokens: 0, requests: 0, cost_usd: 0 },
          { date: "2026-12-02", by_model: { "openai/gpt-4o-mini": { tokens: 30, requests: 1, cost_usd: 0.5 } }, total_tokens: 30, requests: 1, cost_usd: 0.5 },
        ],
        models: ["openai/gpt-4o-mini"],
      }),
    ).toEqual({
      days: [
        { date: "2026-12-01", byModel: {}, totalTokens: 0, requests: 0, costUsd: 0 },
        { date: "2026-12-02", byModel: { "openai/gpt-4o-mini": { tokens: 30, requests: 1, costUsd: 0.5 } }, totalTokens: 30, requests: 1, costUsd: 0.5 },
      ],
      models: ["openai/gpt-4o-mini"],
    });
  });

  it("totals by model become a camelCase list", () => {
    expect(
      usageByModelSchema.parse({
        range: { from: "2026-12-01T00:00:00.000Z", to: "2026-12-02T08:00:00.000Z" },
        models: [{ model: "m", requests: 2, input_tokens: 3, output_tokens: 4, total_tokens: 7, cost_usd: 0 }],
      }),
    ).toEqual([{ model: "m", requests: 2, inputTokens: 3, outputTokens: 4, totalTokens: 7, costUsd: 0 }]);
  });

  it("rejects a result of another shape", () => {
    expect(usageHistoryPageSchema.safeParse({ items: [{}], next_cursor: null }).success).toBe(false);
  });
});
