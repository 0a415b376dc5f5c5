import { describe, expect, it } from "vitest";
import { relayChatStream, type RelayResult } from "@/lib/chat/relay-stream";
import type { ChatStream, ChatStreamEvent } from "@/lib/llm/stream-chat";
import { countTextTokens } from "@/lib/metering/tokenizer";

/** A model that sends `parts` deltas `gapMs` apart. */
function slowStream(parts: string[], gapMs: number): ChatStream {
  return {
    events: (async function* (): AsyncGenerator<ChatStreamEvent> {
      for (const text of parts) {
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        yield { type: "delta", text };
      }
    })(),
    onActivity: () => {},
  };
}

async function relay(stream: ChatStream, checkpoint?: (tokens: number) => void, checkpointFirstMs = 40) {
  let finished: RelayResult | null = null;
  const body = relayChatStream({
    stream,
    promptTokens: 10,
    upstream: new AbortController(),
    idleTimeoutMs: 5_000,
    maxDurationMs: 10_000,
    finish: async (result) => {
      finished = result;
      return { settled: null, recorded: false, conversationId: "c" };
    },
    start: { type: "start", requestId: "r", conversationId: "c", model: "m", maxOutputTokens: 100 },
    checkpoint,
    checkpointFirstMs,
    checkpointIntervalMs: 60,
  });
  await new Response(body).text();
  return finished!;
}

describe("relayChatStream checkpoints", () => {
  it("reports the output tokens so far while the reply streams, never going back, and stops when it ends", async () => {
    const parts = Array.from({ length: 30 }, (_, i) => `word${i} `);
    const seen: number[] = [];
    const result = await relay(slowStream(parts, 10), (tokens) => seen.push(tokens));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)!).toBeGreaterThan(0);
    expect(seen.at(-1)!).toBeLessThanOrEqual(countTextTokens(result.text));
    const count = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(seen).toHaveLength(count); // no checkpoint after the stream ended
  });

  it("a reply shorter than the first checkpoint writes none", async () => {
    const seen: number[] = [];
    await relay(slowStream(["quick ", "reply"], 1), (tokens) => seen.push(tokens), 2_000);
    expect(seen).toEqual([]);
  });

  it("keeps beating while the model is silent (a heartbeat, zero tokens)", async () => {
    const seen: number[] = [];
    await relay(slowStream(["late"], 300), (tokens) => seen.push(tokens));
    // The first beat (40 ms) is due long before the first token (300 ms), however busy the machine.
    expect(seen[0]).toBe(0);
  });
});
