import { z } from "zod";

/** Limits on what one chat request may carry. */
export const MAX_MESSAGES = 200;
export const MAX_MESSAGE_CHARS = 100_000;
export const MAX_TOTAL_CHARS = 400_000;

const messageSchema = z
  .object({
    role: z.enum(["system", "user", "assistant"]),
    content: z.string().min(1, "must not be empty").max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`),
  })
  .strict();

export const chatRequestSchema = z
  .object({
    conversationId: z.uuid().optional(),
    model: z
      .string()
      .min(1, "must not be empty")
      .max(200)
      .regex(/^[a-z0-9][a-z0-9._:/-]*$/i, "must be a model id such as openai/gpt-4o-mini"),
    messages: z
      .array(messageSchema)
      .min(1, "must contain at least one message")
      .max(MAX_MESSAGES, `must contain at most ${MAX_MESSAGES} messages`)
      .refine((messages) => messages.at(-1)?.role === "user", "must end with a user message")
      .refine(
        (messages) => messages.reduce((sum, m) => sum + m.content.length, 0) <= MAX_TOTAL_CHARS,
        `are too long together (at most ${MAX_TOTAL_CHARS} characters)`,
      ),
    maxTokens: z.number().int().min(1).max(200_000).optional(),
  })
  .strict();

export type ChatRequest = z.infer<typeof chatRequestSchema>;
