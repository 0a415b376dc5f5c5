import { type Fault, faultSchema } from "./schemas";

/**
 * Faults a test can order: queued ones (consumed one per completion request) and
 * per-request markers in the last user message, e.g. [[fault:429]], [[fault:cut:5]].
 */

const FAULT_MARKER = /\[\[fault:([a-z0-9_]+)(?::(\d+))?\]\]/i;

export class FaultMarkerError extends Error {
  constructor(marker: string) {
    super(`Unknown fault marker ${marker} (use 429, 5xx, stall, cut:N, stall_after:N, error_after:N or think:MS)`);
    this.name = "FaultMarkerError";
  }
}

/** The fault named by a marker in the text, null when there is none; throws FaultMarkerError on a typo. */
export function parseFaultMarker(text: string): Fault | null {
  const match = FAULT_MARKER.exec(text);
  if (!match) return null;
  const [marker, name, arg] = match as unknown as [string, string, string | undefined];
  const fault = faultFromMarker(name.toLowerCase(), arg === undefined ? undefined : Number(arg));
  if (!fault) throw new FaultMarkerError(marker);
  return fault;
}

function faultFromMarker(name: string, arg: number | undefined): Fault | null {
  if (name === "429" && arg === undefined) return { mode: "http_429" };
  if (name === "500" && arg === undefined) return { mode: "http_500" };
  if (/^5\d\d$/.test(name) && arg === undefined) return { mode: "http_error", status: Number(name) };
  if (name === "stall" && arg === undefined) return { mode: "stall" };
  if (name === "stall_after" && arg !== undefined) return { mode: "stall_after", chunks: arg };
  if (name === "cut" && arg !== undefined) return { mode: "cut", chunks: arg };
  if (name === "error_after" && arg !== undefined) return { mode: "error_after", chunks: arg };
  if (name === "think" && arg !== undefined) return { mode: "think", ms: arg };
  return null;
}

export type FaultQueue = {
  push: (...faults: Fault[]) => void;
  /** The next queued fault, removed from the queue; null when empty. */
  take: () => Fault | null;
  pending: () => Fault[];
  clear: () => void;
};

export function createFaultQueue(): FaultQueue {
  const queue: Fault[] = [];
  return {
    push: (...faults) => queue.push(...faults.map((fault) => faultSchema.parse(fault))),
    take: () => queue.shift() ?? null,
    pending: () => queue.map((fault) => ({ ...fault })),
    clear: () => void queue.splice(0),
  };
}
