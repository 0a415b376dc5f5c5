import { z } from "zod";
import { preciseTime, usageRangeSchema, type UsageHistoryPosition, type UsageRange } from "@/lib/usage/schemas";

/**
 * The history's opaque cursor: base64url of the range it belongs to and the position after which the
 * next page starts (the last row's created_at to the microsecond and id, and the listing's anchor
 * `asOf`, so every page of one listing sees the same range even as time passes). Clients pass it back
 * unchanged; it grants nothing, since every read is of the signed-in user's own rows.
 */
export type UsageCursor = { range: UsageRange; position: UsageHistoryPosition };

const cursorPayloadSchema = z.object({
  v: z.literal(1),
  r: usageRangeSchema,
  t: preciseTime,
  i: z.number().int().positive(),
  a: preciseTime,
});

export function encodeUsageCursor(cursor: UsageCursor): string {
  const payload: z.infer<typeof cursorPayloadSchema> = {
    v: 1,
    r: cursor.range,
    t: cursor.position.createdAt,
    i: cursor.position.id,
    a: cursor.position.asOf,
  };
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/** The cursor string of the API, decoded; an issue "is not a valid cursor" otherwise. */
export const usageCursorSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "is not a valid cursor")
  .transform((value, ctx): UsageCursor => {
    const payload = cursorPayloadSchema.safeParse(parseJson(value));
    if (!payload.success) {
      ctx.addIssue({ code: "custom", message: "is not a valid cursor" });
      return z.NEVER;
    }
    const { r, t, i, a } = payload.data;
    return { range: r, position: { createdAt: t, id: i, asOf: a } };
  });

function parseJson(value: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  try {
    return JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}
