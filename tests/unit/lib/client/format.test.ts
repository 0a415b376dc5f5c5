import { describe, expect, it } from "vitest";
import { describeReset, formatCost, formatDuration, formatTokens } from "@/lib/client/format";

describe("formatting for people", () => {
  const now = new Date("2026-12-02T18:48:00Z");

  it("says how long until a time, in hours and minutes", () => {
    expect(formatDuration(new Date("2026-12-03T00:00:00Z"), now)).toBe("in 5 h 12 min");
    expect(formatDuration(new Date("2026-12-02T19:00:00Z"), now)).toBe("in 12 min");
    expect(formatDuration(new Date("2026-12-02T20:48:00Z"), now)).toBe("in 2 h");
    expect(formatDuration(new Date("2026-12-02T18:48:20Z"), now)).toBe("in less than a minute");
    expect(formatDuration(new Date("2026-12-01T00:00:00Z"), now)).toBe("in less than a minute");
    expect(formatDuration(new Date("2026-12-12T00:00:00Z"), now)).toBe("in 9 days 5 h");
    expect(formatDuration(new Date("2026-12-05T18:48:00Z"), now)).toBe("in 3 days");
  });

  it("names the UTC boundary of a reset", () => {
    expect(describeReset(new Date("2026-12-03T00:00:00Z"), "day", now)).toMatch(/^Resets in 5 h 12 min \(.+ your time, midnight UTC\)$/);
    // The month is the UTC boundary's, whatever the local time zone (west of UTC it is still 31 December there).
    expect(describeReset(new Date("2027-01-01T00:00:00Z"), "month", now)).toMatch(/January 1, 00:00 UTC\)$/);
  });

  it("formats tokens and cost", () => {
    expect(formatTokens(1)).toBe("1 token");
    expect(formatTokens(12345)).toMatch(/^12.345 tokens$/);
    expect(formatCost(null)).toBe("—");
    expect(formatCost(0.00042)).toContain("0.0004");
    expect(formatCost(0.00002)).toBe("<$0.0001");
    expect(formatCost(1.5)).toContain("1.50");
  });
});
