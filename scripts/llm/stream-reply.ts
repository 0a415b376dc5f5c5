import type { ServerResponse } from "node:http";
import { pause, writeAndFlush } from "./http-io";
import { buildChunk, buildUsageChunk, type GenerationMeta } from "./payloads";
import type { PlannedReply } from "./reply";
import type { RequestEntry } from "./request-log";
import type { Fault } from "./schemas";
import type { Usage } from "./usage";

/**
 * Sends a reply as OpenRouter streams it: an SSE comment, content chunks, a finish chunk,
 * a usage chunk (always) and [DONE]. `cut`, `stall_after` and `error_after` faults stop after N content chunks.
 */

export type StreamReplyInput = {
  res: ServerResponse;
  entry: RequestEntry;
  meta: GenerationMeta;
  reply: PlannedReply;
  usage: Usage;
  fault: Fault | null;
  chunkDelayMs: number;
};

export async function streamReply({ res, entry, meta, reply, usage, fault, chunkDelayMs }: StreamReplyInput): Promise<void> {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" });
  entry.status = 200;
  entry.outcome = "streaming";
  if (!(await writeAndFlush(res, ": OPENROUTER PROCESSING\n\n"))) return;
  if (fault?.mode === "think") {
    // Keep-alive comments only (no data) while the model "thinks", as OpenRouter sends them.
    for (let waited = 0; waited < fault.ms; waited += 100) {
      await pause(Math.min(100, fault.ms - waited));
      if (!(await writeAndFlush(res, ": OPENROUTER PROCESSING\n\n"))) return;
    }
  }

  const stopAfter =
    fault?.mode === "cut" || fault?.mode === "stall_after" || fault?.mode === "error_after" ? fault.chunks : Number.POSITIVE_INFINITY;
  for (const [index, content] of reply.chunks.entries()) {
    if (index >= stopAfter) break;
    if (index > 0) await pause(chunkDelayMs);
    const delta = index === 0 ? { role: "assistant" as const, content } : { content };
    if (!(await writeEvent(res, buildChunk(meta, delta, null)))) return;
    entry.sentChunks.push(content);
  }

  if (fault?.mode === "cut") {
    entry.outcome = "cut";
    res.socket?.destroy();
    return;
  }
  if (fault?.mode === "error_after") {
    entry.outcome = "failed";
    const code = fault.code ?? 502;
    await writeEvent(res, { error: { code, message: "Provider returned error (local)" } });
    res.end();
    return;
  }
  if (fault?.mode === "stall_after") {
    entry.outcome = "stalled";
    return; // keep the connection open and silent until the client gives up or close()
  }

  await pause(chunkDelayMs);
  if (!(await writeEvent(res, buildChunk(meta, { role: "assistant", content: "" }, reply.finishReason)))) return;
  entry.finishReason = reply.finishReason;
  if (!(await writeEvent(res, buildUsageChunk(meta, usage)))) return;
  entry.usage = usage;
  if (!(await writeAndFlush(res, "data: [DONE]\n\n"))) return;
  entry.outcome = "completed";
  res.end();
}

function writeEvent(res: ServerResponse, payload: unknown): Promise<boolean> {
  return writeAndFlush(res, `data: ${JSON.stringify(payload)}\n\n`);
}
