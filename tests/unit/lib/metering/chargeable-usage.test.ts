import { describe, expect, it } from "vitest";
import { chargeableUsage } from "@/lib/metering/chargeable-usage";
import { countTextTokens } from "@/lib/metering/tokenizer";

const reported = { promptTokens: 120, completionTokens: 45, costUsd: 0.0012 };
const text = "The lighthouse keeper counted every wave.";
const reasoning = "First, think about lighthouses.";

describe("chargeableUsage", () => {
  it("charges the provider's reported usage whenever it came, and calls the reply ok", () => {
    for (const end of ["completed", "cut", "provider_error"] as const) {
      expect(chargeableUsage({ end, reported, promptTokens: 99, text, reasoning })).toEqual({ outcome: "ok", usage: reported });
    }
  });

  it("without a usage chunk, a completed stream is ok and charged our prompt count plus every token that arrived", () => {
    expect(chargeableUsage({ end: "completed", reported: null, promptTokens: 99, text, reasoning })).toEqual({
      outcome: "ok",
      usage: { promptTokens: 99, completionTokens: countTextTokens(text) + countTextTokens(reasoning), costUsd: null },
    });
  });

  it("a cut stream is aborted, a provider's error is error, each charged only for what arrived", () => {
    const cut = chargeableUsage({ end: "cut", reported: null, promptTokens: 10, text, reasoning: "" });
    expect(cut).toEqual({ outcome: "aborted", usage: { promptTokens: 10, completionTokens: countTextTokens(text), costUsd: null } });
    const failed = chargeableUsage({ end: "provider_error", reported: null, promptTokens: 10, text: "", reasoning: "" });
    expect(failed).toEqual({ outcome: "error", usage: { promptTokens: 10, completionTokens: 0, costUsd: null } });
  });
});
