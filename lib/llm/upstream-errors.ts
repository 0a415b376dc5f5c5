import OpenAI from "openai";
import { AppError } from "@/lib/errors";

/**
 * Maps a failure of the model call to the app's error. The provider's own text is logged by the
 * caller, never sent to users verbatim.
 */
export function mapUpstreamError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new AppError("upstream_unavailable", "The model did not answer in time. Nothing was charged; please try again.", { cause: error });
  }
  if (error instanceof OpenAI.APIError && error.status === 429) {
    const retryAfter = Number(error.headers?.get?.("retry-after"));
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 5;
    return new AppError("rate_limited", `The model provider is busy. Nothing was charged; try again in ${seconds} s.`, {
      cause: error,
      details: { retryAfterSeconds: seconds, upstream: true },
      headers: { "Retry-After": String(seconds) },
    });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number" && error.status >= 500) {
    return new AppError("upstream_unavailable", "The model provider had an error. Nothing was charged; please try again.", { cause: error });
  }
  if (error instanceof OpenAI.APIError && (error.status === 400 || error.status === 413 || error.status === 422)) {
    return new AppError("bad_request", "The model refused this request (it may be too long for the model).", { cause: error });
  }
  // Network errors, 401/403 (our key), anything else: the upstream is unusable right now.
  return new AppError("upstream_unavailable", "The model provider could not be reached. Nothing was charged; please try again.", {
    cause: error,
  });
}
