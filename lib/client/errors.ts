/**
 * The error contract between the server and the browser: a closed set of codes and the body every
 * API error has, `{ error: { code, message, details? } }`. Client-safe: imports nothing server-side.
 */
export const errorCodes = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  /** The request repeats one already applied (an admin top-up's payment reference): nothing changed. */
  "conflict",
  "quota_exceeded",
  /** Not exhausted: the user's other requests in flight hold what is left. Retry shortly (Retry-After). */
  "quota_held",
  "model_not_allowed",
  "rate_limited",
  "upstream_unavailable",
  "unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export type ErrorDetails = Record<string, unknown>;

export type ErrorBody = {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (errorCodes as readonly string[]).includes(value);
}

/** An API error as the browser sees it: the server's code, message and details, and the HTTP status. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { status?: number; details?: ErrorDetails } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = options.status ?? 0;
    this.details = options.details;
  }
}

/**
 * Rebuilds the typed error from a parsed `{ error: { code, message, details? } }` body (an HTTP error
 * body or a chat stream's `error` event). Anything else (a proxy's HTML page, a cut body) becomes an
 * error with a code chosen from the status, never a crash.
 */
export function toApiError(body: unknown, status = 0): ApiError {
  const error = (body as { error?: unknown } | null | undefined)?.error as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (error && isErrorCode(error.code) && typeof error.message === "string") {
    const details = error.details && typeof error.details === "object" ? (error.details as ErrorDetails) : undefined;
    return new ApiError(error.code, error.message, { status, details });
  }
  return new ApiError(codeForStatus(status), fallbackMessage(status), { status });
}

function codeForStatus(status: number): ErrorCode {
  if (status === 0) return "unavailable";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 502 || status === 504) return "upstream_unavailable";
  if (status === 503) return "unavailable";
  if (status >= 400 && status < 500) return "bad_request";
  return "internal";
}

function fallbackMessage(status: number): string {
  if (status === 0) return "The server could not be reached.";
  return `The server answered with an unexpected error (HTTP ${status}).`;
}
