import "server-only";
import { parseDbResult } from "@/lib/db/parse-result";
import { z } from "zod";
import type { RpcClient } from "@/lib/db/rpc";

/** The model catalogue lives in Postgres (public.models), so admins change it without a deploy. */
const catalogueSchema = z
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

/** Every enabled model, each marked with whether this user's plan allows it. */
export async function getModelCatalogue(rpc: RpcClient, userId: string): Promise<ModelCatalogue> {
  return parseDbResult(catalogueSchema, await rpc.call("list_models", { p_user_id: userId }));
}

/** Only the models the user may use (GET /api/models). */
export async function listAllowedModels(rpc: RpcClient, userId: string) {
  const catalogue = await getModelCatalogue(rpc, userId);
  return { plan: catalogue.plan, maxOutputTokens: catalogue.maxOutputTokens, models: catalogue.models.filter((m) => m.allowed) };
}
