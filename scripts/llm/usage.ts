/**
 * OpenRouter's usage accounting: token counts plus the cost in USD,
 * from per-million-token prices, rounded to 10 decimal places.
 */

/** USD per million tokens. */
export type ModelPrice = { input: number; output: number };

export const DEFAULT_PRICE: ModelPrice = { input: 0.15, output: 0.6 };

export type Usage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  is_byok: false;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
  cost_details: { upstream_inference_cost: null };
};

export function computeCost(promptTokens: number, completionTokens: number, price: ModelPrice): number {
  const usd = (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
  return Number(usd.toFixed(10));
}

export function buildUsage(promptTokens: number, completionTokens: number, price: ModelPrice): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    cost: computeCost(promptTokens, completionTokens, price),
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
    cost_details: { upstream_inference_cost: null },
  };
}
