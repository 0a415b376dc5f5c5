import { z } from "zod";
import { dbTimestampSchema } from "@/lib/db/parse-result";

/** The JSON result of public.hit_rate_limit (supabase/migrations/*_create_rate_limits.sql). */
export const rateLimitResultSchema = z
  .object({
    allowed: z.boolean(),
    hits: z.number().int(),
    limit: z.number().int(),
    window_seconds: z.number().int(),
    retry_after_seconds: z.number().int().min(0),
    resets_at: dbTimestampSchema,
  })
  .transform((raw) => ({
    allowed: raw.allowed,
    hits: raw.hits,
    limit: raw.limit,
    windowSeconds: raw.window_seconds,
    retryAfterSeconds: raw.retry_after_seconds,
    resetsAt: raw.resets_at,
  }));
export type RateLimitResult = z.infer<typeof rateLimitResultSchema>;

export const rateLimitRuleSchema = z.object({
  key: z.string().min(1).max(200),
  limit: z.number().int().min(1),
  windowSeconds: z.number().int().min(1).max(86_400),
});
export type RateLimitRule = z.infer<typeof rateLimitRuleSchema>;
