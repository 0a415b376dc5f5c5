import "server-only";
import { noStoreJson } from "@/lib/api/no-store-json";
import { toErrorResponse } from "@/lib/errors";

/**
 * The one place an error becomes an HTTP response. Unexpected errors are logged, never sent. No
 * cache keeps an error (a 402, a 503), like every other answer about a user's account.
 */
export function errorResponse(error: unknown): Response {
  const { status, body, headers } = toErrorResponse(error);
  if (status >= 500 && body.error.code === "internal") console.error("[api] unexpected error:", error);
  return noStoreJson(body, { status, headers });
}
