import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, errorCodes, statusByCode, toErrorResponse } from "@/lib/errors";

describe("toErrorResponse", () => {
  it("maps a ZodError to 400 naming the field at fault", () => {
    const schema = z.object({ messages: z.array(z.object({ content: z.string().min(1) })).min(1) });
    const parsed = schema.safeParse({ messages: [{ content: "" }] });
    expect(parsed.success).toBe(false);
    const { status, body } = toErrorResponse(parsed.error);
    expect(status).toBe(400);
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain("messages.0.content");
    expect(body.error.details).toEqual({ fields: [expect.objectContaining({ field: "messages.0.content" })] });
  });

  it("maps an AppError to its status, with details and headers", () => {
    const error = new AppError("rate_limited", "Slow down", { details: { retryAfter: 3 }, headers: { "Retry-After": "3" } });
    expect(toErrorResponse(error)).toEqual({
      status: 429,
      body: { error: { code: "rate_limited", message: "Slow down", details: { retryAfter: 3 } } },
      headers: { "Retry-After": "3" },
    });
  });

  it("never sends the cause of an unexpected error", () => {
    const { status, body } = toErrorResponse(new Error("password=hunter2 at db.ts:12"));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain("hunter2");
    expect(body.error.code).toBe("internal");
  });

  it("has a status for every code", () => {
    for (const code of errorCodes) expect(statusByCode[code]).toBeGreaterThanOrEqual(400);
    expect(statusByCode.quota_exceeded).toBe(402);
  });
});
