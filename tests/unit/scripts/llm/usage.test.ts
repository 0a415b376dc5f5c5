import { describe, expect, it } from "vitest";
import { getModelPrice, listModels } from "../../../../scripts/llm/models";
import { buildUsage, computeCost, DEFAULT_PRICE } from "../../../../scripts/llm/usage";

describe("computeCost", () => {
  it("prices per million tokens", () => {
    expect(computeCost(1_000_000, 0, DEFAULT_PRICE)).toBe(0.15);
    expect(computeCost(0, 1_000_000, DEFAULT_PRICE)).toBe(0.6);
    expect(computeCost(1000, 500, { input: 3, output: 15 })).toBe(0.0105);
  });

  it("rounds to 10 decimal places", () => {
    expect(computeCost(1, 0, { input: 0.123456789, output: 0 })).toBe(1.235e-7);
    expect(computeCost(7, 3, DEFAULT_PRICE)).toBe(0.00000285);
  });
});

describe("buildUsage", () => {
  it("has OpenRouter's shape", () => {
    expect(buildUsage(10, 20, DEFAULT_PRICE)).toEqual({
      prompt_tokens: 10,
      completion_tokens: 20,
      total_tokens: 30,
      cost: 0.0000135,
      is_byok: false,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost_details: { upstream_inference_cost: null },
    });
  });
});

describe("model prices", () => {
  it("uses a listed price, else the default", () => {
    const prices = { "x/y": { input: 1, output: 2 } };
    expect(getModelPrice("x/y", prices)).toEqual({ input: 1, output: 2 });
    expect(getModelPrice("other", prices)).toEqual(DEFAULT_PRICE);
    expect(getModelPrice("toString", prices)).toEqual(DEFAULT_PRICE);
  });

  it("lists priced models with per-token decimal strings", () => {
    const { data } = listModels({ "x/y": { input: 1.25, output: 10 } });
    expect(data).toContainEqual({ id: "x/y", name: "x/y", context_length: 128_000, pricing: { prompt: "0.00000125", completion: "0.00001" } });
  });
});
