import type { IncomingHttpHeaders } from "node:http";
import { countTextTokens } from "../../lib/metering/tokenizer";
import type { FinishReason } from "./reply";
import type { Fault } from "./schemas";
import type { Usage } from "./usage";

/** The last completion requests the server received, and what it actually sent back for each. */

export type RequestOutcome =
  | "pending" // received, nothing sent yet
  | "streaming" // headers sent, content on its way
  | "completed" // the whole response was sent
  | "rejected" // 400: invalid body
  | "failed" // an ordered HTTP error (429, 5xx)
  | "stalled" // an ordered stall: the server sends nothing more
  | "cut" // an ordered cut: the server destroyed the socket mid-stream
  | "aborted"; // the client went away before the response was complete

export type RecordedRequest = {
  id: string;
  receivedAt: string;
  method: string;
  path: string;
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed JSON body, or null when it was not JSON. */
  body: unknown;
  stream: boolean;
  fault: Fault | null;
  /** HTTP status sent; null when no headers were sent (stall, or cut before any byte). */
  status: number | null;
  outcome: RequestOutcome;
  /** The connection closed before the response was complete (client abort, or server close()). */
  disconnected: boolean;
  promptTokens: number | null;
  finishReason: FinishReason | null;
  /** The usage object sent to the client; null when none was sent. */
  usage: Usage | null;
  /** Content actually written to the socket: the stream's delta chunks (one item for a non-streamed reply). */
  sent: { chunks: string[]; text: string; completionTokens: number };
};

export type RequestEntry = Omit<RecordedRequest, "sent"> & { sentChunks: string[] };

export type RequestLog = {
  add: (input: { id: string; method: string; path: string; headers: IncomingHttpHeaders; body: unknown }) => RequestEntry;
  list: () => RecordedRequest[];
  clear: () => void;
};

export function createRequestLog(limit = 200): RequestLog {
  const entries: RequestEntry[] = [];
  return {
    add: ({ id, method, path, headers, body }) => {
      const entry: RequestEntry = {
        id,
        receivedAt: new Date().toISOString(),
        method,
        path,
        headers: flattenHeaders(headers),
        body,
        stream: false,
        fault: null,
        status: null,
        outcome: "pending",
        disconnected: false,
        promptTokens: null,
        finishReason: null,
        usage: null,
        sentChunks: [],
      };
      entries.push(entry);
      if (entries.length > limit) entries.splice(0, entries.length - limit);
      return entry;
    },
    list: () => entries.map(snapshotEntry),
    clear: () => void entries.splice(0),
  };
}

function snapshotEntry({ sentChunks, ...entry }: RequestEntry): RecordedRequest {
  const text = sentChunks.join("");
  return structuredClone({ ...entry, sent: { chunks: sentChunks, text, completionTokens: countTextTokens(text) } });
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
