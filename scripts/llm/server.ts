import http from "node:http";
import type { Socket } from "node:net";
import type { CompletionContext, CompletionSettings } from "./chat-completions";
import { createFaultQueue } from "./faults";
import { sendError } from "./http-io";
import type { PriceTable } from "./models";
import { createRequestLog, type RecordedRequest } from "./request-log";
import { routeRequest } from "./routes";
import type { Fault } from "./schemas";
import { DEFAULT_PRICE, type ModelPrice } from "./usage";

/**
 * The local OpenAI-compatible chat-completions server that stands in for OpenRouter offline
 * (dev and every test). Real HTTP on loopback, node:http only. See routes.ts for the surface.
 */

export type { Fault } from "./schemas";
export type { RecordedRequest, RequestOutcome } from "./request-log";
export type { ModelPrice } from "./usage";

export type LlmServerOptions = {
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Pause between streamed content chunks; default 5. */
  chunkDelayMs?: number;
  /** Reply length when the prompt has no [[reply_tokens:N]] marker; default 40. */
  defaultReplyTokens?: number;
  /** USD per million tokens, by model id; models not listed cost `defaultPrice`. */
  prices?: PriceTable;
  /** Default 0.15 input / 0.60 output. */
  defaultPrice?: ModelPrice;
  log?: (line: string) => void;
};

export type LlmServer = {
  /** Base URL including /v1, e.g. http://127.0.0.1:54330/v1, for the openai SDK's baseURL. */
  url: string;
  port: number;
  host: string;
  /** Stops listening and destroys open sockets (stalled ones too). Idempotent. */
  close: () => Promise<void>;
  /** Queues faults; each completion request without a fault marker takes the next one. */
  queueFault: (...faults: Fault[]) => void;
  pendingFaults: () => Fault[];
  clearFaults: () => void;
  /** The last 200 completion requests, oldest first, with what was actually sent for each. */
  requests: () => RecordedRequest[];
  clearRequests: () => void;
  /** Requests received whose response has neither finished nor lost its connection (stalled ones included). */
  inFlightRequests: () => number;
  /** Open TCP connections, idle keep-alive ones included. */
  openConnections: () => number;
};

export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? (() => {});
  const settings: CompletionSettings = {
    chunkDelayMs: nonNegative("chunkDelayMs", options.chunkDelayMs ?? 5),
    defaultReplyTokens: Math.floor(nonNegative("defaultReplyTokens", options.defaultReplyTokens ?? 40)),
    prices: options.prices ?? {},
    defaultPrice: options.defaultPrice ?? DEFAULT_PRICE,
  };
  const context: CompletionContext = { settings, faults: createFaultQueue(), requests: createRequestLog(200), log };

  const sockets = new Set<Socket>();
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.once("close", () => (inFlight -= 1));
    routeRequest(req, res, context).catch((error: unknown) => {
      log(`${req.method} ${req.url} failed: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) sendError(res, 500, "Internal error in the local LLM server");
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    host,
    close: () => (closing ??= closeServer(server, sockets)),
    queueFault: (...faults) => context.faults.push(...faults),
    pendingFaults: () => context.faults.pending(),
    clearFaults: () => context.faults.clear(),
    requests: () => context.requests.list(),
    clearRequests: () => context.requests.clear(),
    inFlightRequests: () => inFlight,
    openConnections: () => sockets.size,
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function closeServer(server: http.Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`startLlmServer: ${name} must be a number >= 0, got ${value}`);
  return value;
}
