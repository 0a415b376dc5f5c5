import { describe, expect, it } from "vitest";
import { checkBudget, estimatePromptTokens, MIN_REPLY_TOKENS } from "@/lib/client/estimate-tokens";
import { MIN_OUTPUT_TOKENS } from "@/lib/metering/check-quota";
import { countChatTokens } from "@/lib/metering/tokenizer";

describe("the composer's token estimate", () => {
  it("is within a factor of two of the server's exact count for ordinary English", () => {
    const messages = [
      { role: "user", content: "Tell me about the history of lighthouses on the coast of Brittany, and how their keepers lived." },
      { role: "assistant", content: "Lighthouses in Brittany were built mostly in the nineteenth century, on rocks far out at sea." },
      { role: "user", content: "And today?" },
    ];
    const estimate = estimatePromptTokens(messages);
    const exact = countChatTokens(messages);
    expect(estimate).toBeGreaterThan(exact / 2);
    expect(estimate).toBeLessThan(exact * 2);
  });

  it("uses the server's smallest reply", () => {
    expect(MIN_REPLY_TOKENS).toBe(MIN_OUTPUT_TOKENS);
  });

  it("says whether a draft and a full reply fit what remains", () => {
    expect(checkBudget(100, 2048, 10_000)).toEqual({ kind: "fits", promptTokens: 100 });
    expect(checkBudget(100, 2048, 1_000)).toEqual({ kind: "tight", promptTokens: 100, remaining: 1_000 });
    expect(checkBudget(990, 2048, 1_000)).toEqual({ kind: "too_big", promptTokens: 990, remaining: 1_000 });
  });
});
