/** GET /api/models: the models the user's plan allows. */
export type ModelView = {
  id: string;
  name: string;
  tier: "basic" | "advanced" | "premium";
  contextWindow: number;
  pricePerMillion: { input: number; output: number };
  allowed: boolean;
};

export type ModelListView = { plan: string; maxOutputTokens: number; models: ModelView[] };

export const MODELS_KEY = "/api/models";
export const LAST_MODEL_STORAGE_KEY = "tokenmeter:last-model";
