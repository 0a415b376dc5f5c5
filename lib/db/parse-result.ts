import { z } from "zod";
import { AppError } from "@/lib/errors";

/** Parses what a SQL function returned; an unexpected shape is our bug (500), never sent in detail. */
export function parseDbResult<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("internal", "Unexpected answer from the database.", { cause: result.error });
  return result.data;
}

/** A timestamptz as our SQL functions return it in JSON (ISO 8601 with an offset), parsed into a Date. */
export const dbTimestampSchema = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
