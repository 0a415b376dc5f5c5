import OpenAI from "openai";
import { AppError } from "@/lib/errors";
import { NoFirstTokenError } from "@/lib/llm/stream-chat";

/**
 * Maps a failure of the model call to the app's error. The provider's own text is logged by the
 * caller, never sent to users verbatim.
 */
export function mapUpstreamError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof NoFirstTokenError && error.emptyStream) {
    return new AppError("upstream_unavailable", "The model ended its answer before sending anything. Nothing was charged; please try again.", {
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof NoFirstTokenError) {
    return new AppError("upstream_unavailable", "The model did not answer in time. Nothing was charged; please try again.", { cause: error });
  }
  // An error sent inside the stream (SSE `error` chunk) has no HTTP status; its code carries it.
  const status = error instanceof OpenAI.APIError ? (error.status ?? embeddedStatus(error.error)) : undefined;
  if (status === 429) {
    const retryAfter = Number((error as InstanceType<typeof OpenAI.APIError>).headers?.get?.("retry-after"));
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 5;
    return new AppError("rate_limited", `The model provider is busy. Nothing was charged; try again in ${seconds} s.`, {
      cause: error,
      details: { retryAfterSeconds: seconds, upstream: true },
      headers: { "Retry-After": String(seconds) },
    });
  }
  if (typeof status === "number" && status >= 500) {
    return new AppError("upstream_unavailable", "The model provider had an error. Nothing was charged; please try again.", { cause: error });
  }
  if (status === 403) {
    // OpenRouter answers 403 when a moderation or guardrail check blocks the input.
    return new AppError("forbidden", "The model provider refused this request (its content policy). Nothing was charged.", { cause: error });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new AppError("bad_request", "The model refused this request (it may be too long for the model).", { cause: error });
  }
  // Network errors, 401/403 (our key), anything else: the upstream is unusable right now.
  return new AppError("upstream_unavailable", "The model provider could not be reached. Nothing was charged; please try again.", {
    cause: error,
  });
}

function embeddedStatus(body: unknown): number | undefined {
  const code = (body as { code?: unknown } | null | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/** An error the provider sent (an HTTP error or an SSE error event), as opposed to a cut connection or an abort. */
export function isProviderError(error: unknown): boolean {
  return error instanceof OpenAI.APIError && !(error instanceof OpenAI.APIUserAbortError) && !(error instanceof OpenAI.APIConnectionError);
}
