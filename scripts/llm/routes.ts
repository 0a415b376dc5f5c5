import type { IncomingMessage, ServerResponse } from "node:http";
import { type CompletionContext, handleChatCompletion } from "./chat-completions";
import { BodyTooLargeError, parseJson, readBody, sendError, sendJson, sendNoContent } from "./http-io";
import { listModels } from "./models";
import { describeZodError, queueFaultsRequestSchema } from "./schemas";

/**
 * Routing. The OpenRouter surface under /v1 (also /api/v1, OpenRouter's own path),
 * /health, and the test controls under /__control.
 */

export async function routeRequest(req: IncomingMessage, res: ServerResponse, context: CompletionContext): Promise<void> {
  const method = req.method ?? "GET";
  const path = normalizePath(req.url ?? "/");
  const route = `${method} ${path}`;

  if (path === "/v1/chat/completions") {
    if (method !== "POST") return sendError(res, 405, "Method not allowed");
    const text = await readBodyOrReply(req, res);
    if (text === null) return;
    return handleChatCompletion(req, res, path, parseJson(text), context);
  }

  logWhenDone(res, route, context.log);
  switch (route) {
    case "GET /health":
      return sendJson(res, 200, { status: "ok" });
    case "GET /v1/models":
      return sendJson(res, 200, listModels(context.settings.prices, context.settings.defaultPrice));
    case "GET /__control/requests":
      return sendJson(res, 200, { data: context.requests.list() });
    case "DELETE /__control/requests":
      context.requests.clear();
      return sendNoContent(res);
    case "GET /__control/faults":
      return sendJson(res, 200, { faults: context.faults.pending() });
    case "DELETE /__control/faults":
      context.faults.clear();
      return sendNoContent(res);
    case "POST /__control/faults":
      return queueFaults(req, res, context);
    default:
      return sendError(res, 404, `No route for ${route}`);
  }
}

async function queueFaults(req: IncomingMessage, res: ServerResponse, context: CompletionContext): Promise<void> {
  const text = await readBodyOrReply(req, res);
  if (text === null) return;
  const json = parseJson(text);
  if (!json.ok) return sendError(res, 400, "Invalid JSON in request body");
  const parsed = queueFaultsRequestSchema.safeParse(json.value);
  if (!parsed.success) return sendError(res, 400, describeZodError(parsed.error));
  context.faults.push(...parsed.data.faults);
  sendJson(res, 200, { faults: context.faults.pending() });
}

async function readBodyOrReply(req: IncomingMessage, res: ServerResponse): Promise<string | null> {
  try {
    return await readBody(req);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendError(res, 413, error.message, { Connection: "close" });
    return null;
  }
}

/** Path without query string or trailing slash; OpenRouter's /api/v1 prefix maps to /v1. */
function normalizePath(url: string): string {
  const path = url.split("?")[0]!.replace(/\/+$/, "") || "/";
  return path.startsWith("/api/v1/") || path === "/api/v1" ? path.slice(4) : path;
}

function logWhenDone(res: ServerResponse, route: string, log: (line: string) => void): void {
  res.once("close", () => log(`${route} ${res.statusCode}`));
}
