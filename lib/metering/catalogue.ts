import { z } from "zod";

/** The model catalogue lives in Postgres (public.models), so admins change it without a deploy. */
export const catalogueSchema = z
  .object({
    plan: z.string(),
    max_output_tokens: z.number().int(),
    models: z.array(
      z.object({
        id: z.string(),
        display_name: z.string(),
        tier: z.enum(["basic", "advanced", "premium"]),
        context_window: z.number().int(),
        input_price_per_mtok: z.coerce.number(),
        output_price_per_mtok: z.coerce.number(),
        allowed: z.boolean(),
      }),
    ),
  })
  .transform((raw) => ({
    plan: raw.plan,
    maxOutputTokens: raw.max_output_tokens,
    models: raw.models.map((m) => ({
      id: m.id,
      name: m.display_name,
      tier: m.tier,
      contextWindow: m.context_window,
      pricePerMillion: { input: m.input_price_per_mtok, output: m.output_price_per_mtok },
      allowed: m.allowed,
    })),
  }));

export type ModelCatalogue = z.infer<typeof catalogueSchema>;
export type CatalogueModel = ModelCatalogue["models"][number];

/** Only the models the user may use (GET /api/models). */
export function allowedModels(catalogue: ModelCatalogue) {
  return { plan: catalogue.plan, maxOutputTokens: catalogue.maxOutputTokens, models: catalogue.models.filter((m) => m.allowed) };
}
