import { ZodError } from "zod";
import type { ErrorBody, ErrorCode } from "@/lib/client/errors";

export { errorCodes, type ErrorBody, type ErrorCode } from "@/lib/client/errors";

export const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  quota_exceeded: 402,
  quota_held: 429,
  model_not_allowed: 403,
  rate_limited: 429,
  upstream_unavailable: 502,
  unavailable: 503,
  internal: 500,
};

/** The one error type the app raises on purpose. Anything else is a bug and maps to 500. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

/** Field paths and messages of a ZodError, e.g. `{ field: "messages.0.content", message: "Required" }`. */
export function describeZodError(error: ZodError): { field: string; message: string }[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join(".") : "(body)",
    message: issue.message,
  }));
}

/** Turns any thrown value into the status and body the API returns. The cause of a 500 is never sent. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof ZodError) {
    const fields = describeZodError(error);
    const first = fields[0];
    return {
      status: 400,
      body: {
        error: {
          code: "bad_request",
          message: first ? `Invalid ${first.field}: ${first.message}` : "Invalid request",
          details: { fields },
        },
      },
    };
  }
  if (error instanceof AppError) {
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      headers: error.headers,
    };
  }
  return { status: 500, body: { error: { code: "internal", message: "Something went wrong on our side." } } };
}
