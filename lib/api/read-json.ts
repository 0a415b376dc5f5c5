import "server-only";
import { AppError } from "@/lib/errors";

/** Requests larger than this are refused before parsing. */
export const MAX_JSON_BODY_BYTES = 512 * 1024;

/** Reads a JSON body: 400 for invalid JSON, 413-as-400 naming the body for an oversize one. */
export async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    // Also what keeps a cross-site HTML form (which cannot send application/json) from posting here.
    throw new AppError("bad_request", "Invalid body: Content-Type must be application/json", {
      details: { fields: [{ field: "(body)", message: "Content-Type must be application/json" }] },
    });
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BODY_BYTES) throw tooLarge();
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_JSON_BODY_BYTES) throw tooLarge();
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Invalid body: not valid JSON", { details: { fields: [{ field: "(body)", message: "not valid JSON" }] } });
  }
}

function tooLarge(): AppError {
  return new AppError("bad_request", `Invalid body: larger than ${MAX_JSON_BODY_BYTES} bytes`, {
    details: { fields: [{ field: "(body)", message: "too large" }] },
  });
}
