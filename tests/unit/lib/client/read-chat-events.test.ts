import { describe, expect, it } from "vitest";
import type { ChatEvent } from "@/lib/client/chat-events";
import { readChatEvents } from "@/lib/client/read-chat-events";

/** A body that arrives in the given byte pieces, as a network would cut it. */
function body(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of readChatEvents(stream)) events.push(event);
  return events;
}

const start: ChatEvent = { type: "start", requestId: "r", conversationId: "c", model: "m", maxOutputTokens: 10 };
const done: ChatEvent = { type: "done", outcome: "ok", conversationId: "c", usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3, costUsd: null }, status: null, recorded: true };

describe("readChatEvents", () => {
  it("yields one event per line, also when lines are cut across chunks and a multi-byte character is split", async () => {
    const lines = [start, { type: "delta", text: "Grüße 👋" }, done].map((e) => `${JSON.stringify(e)}\n`).join("");
    const bytes = new TextEncoder().encode(lines);
    // Cut into 7-byte pieces: lines and the UTF-8 of "ü" and "👋" fall across pieces.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    expect(await collect(stream)).toEqual([start, { type: "delta", text: "Grüße 👋" }, done]);
  });

  it("reads a last line without a newline and skips blank or broken lines", async () => {
    expect(await collect(body([`${JSON.stringify(start)}\n\nnot json\n`, JSON.stringify(done)]))).toEqual([start, done]);
  });
});
