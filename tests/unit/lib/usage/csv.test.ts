import { describe, expect, it } from "vitest";
import { csvField, csvLine, plainDecimal } from "@/lib/client/csv";
import { usageCsvHeader, usageCsvRows } from "@/lib/usage/csv";
import type { UsageHistoryItem } from "@/lib/usage/schemas";

const item = (over: Partial<UsageHistoryItem> = {}): UsageHistoryItem => ({
  createdAt: "2026-12-01T10:00:00.123Z",
  model: "openai/gpt-4o-mini",
  inputTokens: 12,
  outputTokens: 30,
  totalTokens: 42,
  costUsd: 0.0000198,
  outcome: "ok",
  conversationId: "0b6a3a9e-1c1e-4d5e-9f00-0123456789ab",
  requestId: "req_1",
  ...over,
});

describe("csv fields (RFC 4180)", () => {
  it.each([
    ["plain", "plain"],
    ["", ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rhere", '"cr\rhere"'],
    ["  spaced  ", "  spaced  "],
  ])("%j -> %j", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it("joins fields with commas and ends lines with CRLF", () => {
    expect(csvLine(["a", "b,c", ""])).toBe('a,"b,c",\r\n');
  });
});

describe("usage CSV", () => {
  it("has the history's columns in a header row", () => {
    expect(usageCsvHeader()).toBe("time,model,input_tokens,output_tokens,total_tokens,cost_usd,outcome,conversation_id,request_id\r\n");
  });

  it("writes one line per row: ISO time, plain decimal cost, empty fields for nulls, quoted model ids", () => {
    const rows = usageCsvRows([
      item(),
      item({ model: 'acme/model, "v2"', costUsd: null, conversationId: null, outcome: "aborted", requestId: "req_2" }),
    ]);
    expect(rows).toBe(
      "2026-12-01T10:00:00.123Z,openai/gpt-4o-mini,12,30,42,0.0000198,ok,0b6a3a9e-1c1e-4d5e-9f00-0123456789ab,req_1\r\n" +
        '2026-12-01T10:00:00.123Z,"acme/model, ""v2""",12,30,42,,aborted,,req_2\r\n',
    );
  });

  it("writes nothing for no rows", () => {
    expect(usageCsvRows([])).toBe("");
  });
});

describe("plainDecimal", () => {
  it.each([
    [0, "0"],
    [1, "1"],
    [0.5, "0.5"],
    [0.0000198, "0.0000198"],
    [1.5e-7, "0.00000015"],
    [1e-10, "0.0000000001"],
    [1.23456789e-9, "0.00000000123456789"],
    [123.456, "123.456"],
    [1e21, "1000000000000000000000"],
    [1.5e22, "15000000000000000000000"],
    [-2.5e-8, "-0.000000025"],
  ])("%s -> %s", (value, expected) => {
    expect(plainDecimal(value)).toBe(expected);
    expect(Number(plainDecimal(value))).toBe(value);
  });

  it("refuses what is not a finite number", () => {
    expect(() => plainDecimal(Number.NaN)).toThrow(RangeError);
    expect(() => plainDecimal(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
