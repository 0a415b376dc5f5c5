import { DEFAULT_PRICE, type ModelPrice } from "./usage";

/** The small model catalogue GET /v1/models returns. Completions accept any model id. */

export const LOCAL_MODELS = [
  { id: "openai/gpt-4o-mini", name: "OpenAI: GPT-4o-mini", context_length: 128_000 },
  { id: "meta-llama/llama-3.1-8b-instruct", name: "Meta: Llama 3.1 8B Instruct", context_length: 131_072 },
  { id: "mistralai/mistral-small-3.1-24b-instruct", name: "Mistral: Mistral Small 3.1 24B", context_length: 131_072 },
] as const;

export type PriceTable = Record<string, ModelPrice>;

export function getModelPrice(model: string, prices: PriceTable, fallback: ModelPrice = DEFAULT_PRICE): ModelPrice {
  return Object.hasOwn(prices, model) ? prices[model]! : fallback;
}

/** OpenRouter's /models shape: prices per token as decimal strings. */
export function listModels(prices: PriceTable, fallback: ModelPrice = DEFAULT_PRICE) {
  const known = new Set<string>(LOCAL_MODELS.map((model) => model.id));
  const extra = Object.keys(prices)
    .filter((id) => !known.has(id))
    .map((id) => ({ id, name: id, context_length: 128_000 }));
  return {
    data: [...LOCAL_MODELS, ...extra].map((model) => {
      const price = getModelPrice(model.id, prices, fallback);
      return { ...model, pricing: { prompt: formatPerToken(price.input), completion: formatPerToken(price.output) } };
    }),
  };
}

function formatPerToken(perMillion: number): string {
  return (perMillion / 1_000_000).toFixed(12).replace(/0+$/, "").replace(/\.$/, "");
}
