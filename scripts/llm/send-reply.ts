import { sendError, sendJson } from "./http-io";
import { buildCompletion } from "./payloads";
import { streamReply, type StreamReplyInput } from "./stream-reply";

/** Answers a valid completion request: the ordered fault if any, else the reply, streamed or whole. */
export async function sendReply(input: StreamReplyInput): Promise<void> {
  const { res, entry, meta, reply, usage, fault } = input;
  if (fault?.mode === "http_429") {
    entry.status = 429;
    entry.outcome = "failed";
    return sendError(res, 429, "Rate limit exceeded (local)", { "Retry-After": String(fault.retryAfterSeconds ?? 1) });
  }
  if (fault?.mode === "http_500" || fault?.mode === "http_error") {
    entry.status = fault.mode === "http_error" ? fault.status : 500;
    entry.outcome = "failed";
    return sendError(res, entry.status, "Internal error (local)");
  }
  if (fault?.mode === "stall") {
    entry.outcome = "stalled"; // accept and never answer: no headers, no bytes
    return;
  }
  if (entry.stream) return streamReply(input);

  // Not streamed: a cut drops the connection before any byte; stall_after stalls the same way.
  if (fault?.mode === "cut") {
    entry.outcome = "cut";
    res.socket?.destroy();
    return;
  }
  if (fault?.mode === "stall_after") {
    entry.outcome = "stalled";
    return;
  }
  if (fault?.mode === "error_after") {
    entry.status = fault.code ?? 502;
    entry.outcome = "failed";
    return sendError(res, entry.status, "Provider returned error (local)");
  }
  entry.status = 200;
  entry.finishReason = reply.finishReason;
  entry.usage = usage;
  entry.sentChunks.push(reply.text);
  entry.outcome = "completed";
  sendJson(res, 200, buildCompletion(meta, reply.text, reply.finishReason, usage));
}
