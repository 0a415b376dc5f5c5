import { describe, expect, it } from "vitest";
import { errorResponse } from "@/lib/api/error-response";
import { databaseUnavailable } from "@/lib/db/pg-errors";
import { AppError } from "@/lib/errors";

describe("errorResponse", () => {
  it("is never cached, and keeps an error's own headers", async () => {
    const quota = errorResponse(new AppError("quota_exceeded", "Out of tokens."));
    expect(quota.status).toBe(402);
    expect(quota.headers.get("cache-control")).toMatch(/^no-store(, no-transform)?$/);
    expect(await quota.json()).toEqual({ error: { code: "quota_exceeded", message: "Out of tokens." } });

    const down = errorResponse(databaseUnavailable(new Error("Query read timeout")));
    expect(down.status).toBe(503);
    expect(down.headers.get("cache-control")).toMatch(/^no-store(, no-transform)?$/);
    expect(down.headers.get("retry-after")).toBe("5");
    expect((await down.json()).error).toMatchObject({ code: "unavailable", details: { retryAfterSeconds: 5 } });
  });

  it("sends no detail of an unexpected error", async () => {
    const response = errorResponse(new Error("secret stack detail"));
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toContain("secret");
  });
});
