import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { describeZodError } from "@/lib/errors";
import { encodeUsageCursor, usageCursorSchema } from "@/lib/usage/cursor";
import { usageDailyQuerySchema, usageHistoryQuerySchema, usageRangeQuerySchema } from "@/lib/usage/query-schemas";

const position = { createdAt: "2026-12-01T10:00:00.123456Z", id: 42, asOf: "2026-12-02T08:00:00.000001Z" };

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ZodError) return describeZodError(error).map((f) => f.field);
    throw error;
  }
  throw new Error("expected a ZodError");
}

describe("the history cursor", () => {
  it("round-trips range and position through an opaque URL-safe string", () => {
    const cursor = encodeUsageCursor({ range: "7d", position });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(usageCursorSchema.parse(cursor)).toEqual({ range: "7d", position });
  });

  it.each([
    ["garbage", "not base64 json"],
    ["base64 of not json", Buffer.from("hello").toString("base64url")],
    ["another version", Buffer.from(JSON.stringify({ v: 2, r: "7d", t: position.createdAt, i: 1, a: position.asOf })).toString("base64url")],
    ["a bad id", Buffer.from(JSON.stringify({ v: 1, r: "7d", t: position.createdAt, i: -1, a: position.asOf })).toString("base64url")],
    ["a bad time", Buffer.from(JSON.stringify({ v: 1, r: "7d", t: "yesterday", i: 1, a: position.asOf })).toString("base64url")],
    ["a bad range", Buffer.from(JSON.stringify({ v: 1, r: "1y", t: position.createdAt, i: 1, a: position.asOf })).toString("base64url")],
    ["empty", ""],
  ])("rejects %s", (_name, value) => {
    const result = usageCursorSchema.safeParse(value);
    expect(result.success).toBe(false);
  });
});

describe("GET /api/usage/history query", () => {
  it("defaults to this period, 50 rows, first page", () => {
    expect(usageHistoryQuerySchema.parse({})).toEqual({ range: "period", limit: 50 });
  });

  it("reads range, limit and cursor", () => {
    const cursor = encodeUsageCursor({ range: "30d", position });
    expect(usageHistoryQuerySchema.parse({ range: "30d", limit: "100", cursor })).toEqual({ range: "30d", limit: 100, cursor: { range: "30d", position } });
  });

  it.each([
    [{ range: "1y" }, "range"],
    [{ range: "" }, "range"],
    [{ limit: "0" }, "limit"],
    [{ limit: "101" }, "limit"],
    [{ limit: "2.5" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ cursor: "%%%" }, "cursor"],
    [{ cursor: "" }, "cursor"],
  ])("names the field at fault: %j", (query, field) => {
    expect(fieldsOf(() => usageHistoryQuerySchema.parse(query))).toEqual([field]);
  });

  it("refuses a cursor of another range (naming cursor)", () => {
    const cursor = encodeUsageCursor({ range: "7d", position });
    expect(fieldsOf(() => usageHistoryQuerySchema.parse({ range: "30d", cursor }))).toEqual(["cursor"]);
  });
});

describe("GET /api/usage/daily and by-model queries", () => {
  it("days defaults to 30 and must be 1..90", () => {
    expect(usageDailyQuerySchema.parse({})).toEqual({ days: 30 });
    expect(usageDailyQuerySchema.parse({ days: "7" })).toEqual({ days: 7 });
    for (const days of ["0", "91", "x", "1.5"]) expect(fieldsOf(() => usageDailyQuerySchema.parse({ days }))).toEqual(["days"]);
  });

  it("range defaults to period and is one of period, 7d, 30d", () => {
    expect(usageRangeQuerySchema.parse({})).toEqual({ range: "period" });
    for (const range of ["period", "7d", "30d"] as const) expect(usageRangeQuerySchema.parse({ range })).toEqual({ range });
    expect(fieldsOf(() => usageRangeQuerySchema.parse({ range: "week" }))).toEqual(["range"]);
  });
});
