import type { IncomingMessage, ServerResponse } from "node:http";
import { countChatTokens } from "../../lib/metering/tokenizer";
import { FaultMarkerError, type FaultQueue, parseFaultMarker } from "./faults";
import { sendError } from "./http-io";
import { getModelPrice, type PriceTable } from "./models";
import { createGenerationId, type GenerationMeta } from "./payloads";
import { planReply, readReplyTokens } from "./reply";
import type { RequestEntry, RequestLog } from "./request-log";
import { type ChatRequest, chatRequestSchema, describeZodError, type Fault } from "./schemas";
import { sendReply } from "./send-reply";
import { buildUsage, type ModelPrice } from "./usage";

/** POST /v1/chat/completions: validate, pick the fault (marker first, then the queue), reply. */

export type CompletionSettings = {
  chunkDelayMs: number;
  defaultReplyTokens: number;
  prices: PriceTable;
  defaultPrice: ModelPrice;
};

export type CompletionContext = { settings: CompletionSettings; faults: FaultQueue; requests: RequestLog; log: (line: string) => void };

export async function handleChatCompletion(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: { ok: true; value: unknown } | { ok: false },
  { settings, faults, requests, log }: CompletionContext,
): Promise<void> {
  const id = createGenerationId();
  const entry = requests.add({ id, method: req.method ?? "POST", path, headers: req.headers, body: body.ok ? body.value ?? null : null });
  trackDisconnect(res, entry, log);

  if (!body.ok) return reject(res, entry, "Invalid JSON in request body");
  const parsed = chatRequestSchema.safeParse(body.value);
  if (!parsed.success) return reject(res, entry, describeZodError(parsed.error));
  const request = parsed.data;
  const meta: GenerationMeta = { id, model: request.model, created: Math.floor(Date.now() / 1000) };
  entry.stream = request.stream === true;

  const prompt = lastUserText(request);
  let fault: Fault | null;
  try {
    fault = parseFaultMarker(prompt) ?? faults.take();
  } catch (error) {
    if (error instanceof FaultMarkerError) return reject(res, entry, error.message);
    throw error;
  }
  entry.fault = fault;

  const promptTokens = countChatTokens(request.messages);
  entry.promptTokens = promptTokens;
  const reply = planReply({
    seed: prompt,
    targetTokens: readReplyTokens(prompt, settings.defaultReplyTokens),
    maxTokens: smallest(request.max_tokens, request.max_completion_tokens),
  });
  const usage = buildUsage(promptTokens, reply.completionTokens, getModelPrice(request.model, settings.prices, settings.defaultPrice));

  await sendReply({ res, entry, meta, reply, usage, fault, chunkDelayMs: settings.chunkDelayMs });
}

function reject(res: ServerResponse, entry: RequestEntry, message: string): void {
  entry.status = 400;
  entry.outcome = "rejected";
  sendError(res, 400, message);
}

function trackDisconnect(res: ServerResponse, entry: RequestEntry, log: (line: string) => void): void {
  res.once("close", () => {
    if (!res.writableFinished) {
      if (entry.outcome === "pending" || entry.outcome === "streaming" || entry.outcome === "stalled") entry.disconnected = true;
      if (entry.outcome === "pending" || entry.outcome === "streaming") entry.outcome = "aborted";
    }
    const fault = entry.fault ? ` fault=${entry.fault.mode}` : "";
    log(`${entry.method} ${entry.path} ${entry.status ?? "-"} ${entry.outcome}${fault} prompt=${entry.promptTokens ?? "-"} chunks=${entry.sentChunks.length}`);
  });
}

/** The last user message (markers and the reply seed live there); the last message if no user spoke. */
function lastUserText(request: ChatRequest): string {
  const users = request.messages.filter((message) => message.role === "user");
  return (users.at(-1) ?? request.messages.at(-1))?.content ?? "";
}

function smallest(...values: (number | undefined)[]): number | undefined {
  const given = values.filter((value): value is number => value !== undefined);
  return given.length === 0 ? undefined : Math.min(...given);
}
