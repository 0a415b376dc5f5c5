import { ApiError, toApiError } from "@/lib/client/errors";

/**
 * fetch for the app's JSON API: resolves to the parsed body, or throws ApiError rebuilt from the
 * server's `{ error: { code, message } }` (or from the status when the body is not ours).
 */
export async function fetchJson<T>(input: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("Content-Type", "application/json");
  let response: Response;
  try {
    response = await fetch(input, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError("unavailable", "The server could not be reached.", { status: 0 });
  }
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(body, response.status);
  return body as T;
}

/** SWR's fetcher for the JSON API: the key is the URL. */
export const getJson = <T,>(url: string): Promise<T> => fetchJson<T>(url);
