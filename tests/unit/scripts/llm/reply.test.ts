import { describe, expect, it } from "vitest";
import { countTextTokens } from "../../../../lib/metering/tokenizer";
import { planReply, readReplyTokens } from "../../../../scripts/llm/reply";

describe("planReply", () => {
  it.each([0, 1, 2, 17, 40, 500, 2000])("writes exactly %i tokens by the app's tokenizer", (targetTokens) => {
    const reply = planReply({ seed: `seed ${targetTokens}`, targetTokens });
    expect(reply.completionTokens).toBe(targetTokens);
    expect(countTextTokens(reply.text)).toBe(targetTokens);
    expect(reply.finishReason).toBe("stop");
  });

  it("is made of words: several characters per token", () => {
    const reply = planReply({ seed: "words", targetTokens: 100 });
    expect(reply.text.length).toBeGreaterThan(300);
    expect(reply.text).toMatch(/^[A-Z][a-z]+( [a-zA-Z]+|[.,])+/);
  });

  it("splits into chunks of a few tokens that concatenate to the text", () => {
    const reply = planReply({ seed: "chunks", targetTokens: 200 });
    expect(reply.chunks.join("")).toBe(reply.text);
    expect(reply.chunks.length).toBeGreaterThan(40);
    for (const chunk of reply.chunks) expect(countTextTokens(chunk)).toBeLessThanOrEqual(4);
  });

  it("is deterministic per seed", () => {
    expect(planReply({ seed: "a", targetTokens: 50 })).toEqual(planReply({ seed: "a", targetTokens: 50 }));
    expect(planReply({ seed: "a", targetTokens: 50 }).text).not.toBe(planReply({ seed: "b", targetTokens: 50 }).text);
  });

  it.each([1, 5, 17, 99, 499])("never exceeds max_tokens %i and reports finish_reason length", (maxTokens) => {
    const reply = planReply({ seed: "long", targetTokens: 500, maxTokens });
    expect(countTextTokens(reply.text)).toBe(reply.completionTokens);
    expect(reply.completionTokens).toBeLessThanOrEqual(maxTokens);
    expect(reply.completionTokens).toBeGreaterThanOrEqual(maxTokens - 1);
    expect(reply.finishReason).toBe("length");
  });

  it("a max_tokens at or above the target changes nothing", () => {
    const free = planReply({ seed: "s", targetTokens: 30 });
    expect(planReply({ seed: "s", targetTokens: 30, maxTokens: 30 })).toEqual(free);
    expect(planReply({ seed: "s", targetTokens: 30, maxTokens: 1000 })).toEqual(free);
  });
});

describe("readReplyTokens", () => {
  it("reads [[reply_tokens:N]], else the fallback", () => {
    expect(readReplyTokens("please [[reply_tokens:500]] thanks", 40)).toBe(500);
    expect(readReplyTokens("no marker", 40)).toBe(40);
    expect(readReplyTokens("[[reply_tokens:abc]]", 40)).toBe(40);
  });

  it("caps absurd lengths", () => {
    expect(readReplyTokens("[[reply_tokens:999999999]]", 40)).toBe(100_000);
  });
});
