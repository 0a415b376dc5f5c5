import type { ChatEvent } from "@/lib/client/chat-events";

/**
 * Reads POST /api/chat's NDJSON body as events, one per line, as they arrive. A line cut by the
 * network mid-way is kept until its end arrives; a line that is not JSON is skipped.
 */
export async function* readChatEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const event = parseLine(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (event) yield event;
        newline = buffer.indexOf("\n");
      }
      if (done) {
        const last = parseLine(buffer);
        if (last) yield last;
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseLine(line: string): ChatEvent | null {
  if (line.trim() === "") return null;
  try {
    const event = JSON.parse(line) as ChatEvent;
    return typeof event === "object" && event !== null && typeof event.type === "string" ? event : null;
  } catch {
    return null;
  }
}
