import { describe, expect, it } from "vitest";
import { getUsageLevel, reachedThresholds, usagePercent } from "@/lib/client/thresholds";

describe("usage thresholds", () => {
  it("computes the percent used without rounding up", () => {
    expect(usagePercent(0, 40_000)).toBe(0);
    expect(usagePercent(31_999, 40_000)).toBe(79.9);
    expect(usagePercent(32_000, 40_000)).toBe(80);
    expect(usagePercent(1, 0)).toBe(100);
  });

  it.each([
    [0, 40_000, 40_000, "ok"],
    [31_999, 40_000, 8_001, "ok"],
    [32_000, 40_000, 8_000, "warning"],
    [37_999, 40_000, 2_001, "warning"],
    [38_000, 40_000, 2_000, "critical"],
    [40_000, 40_000, 0, "exhausted"],
    [40_000, 40_000, 5_000, "critical"], // allowance spent but a prepaid balance is left
  ] as const)("used %i of %i with %i remaining is %s", (used, cap, remaining, level) => {
    expect(getUsageLevel(used, cap, remaining)).toBe(level);
  });

  it("lists the thresholds reached", () => {
    expect(reachedThresholds(31_999, 40_000)).toEqual([]);
    expect(reachedThresholds(32_000, 40_000)).toEqual([80]);
    expect(reachedThresholds(38_000, 40_000)).toEqual([80, 95]);
  });
});
