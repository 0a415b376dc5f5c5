import { describe, expect, it } from "vitest";
import { lastDays, analyticsCsvUrl, analyticsUrl } from "@/lib/client/admin-analytics";
import { addUtcDays, isUtcDay, utcDayStart, utcDaysBetween, utcToday } from "@/lib/client/utc-dates";

describe("UTC days", () => {
  it("knows today in UTC, whatever the local zone says", () => {
    expect(utcToday(new Date("2026-12-02T23:30:00-05:00"))).toBe("2026-12-03");
    expect(utcToday(new Date("2026-12-03T00:30:00+02:00"))).toBe("2026-12-02");
  });

  it("adds days across months, years and leap days", () => {
    expect(addUtcDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addUtcDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addUtcDays("2026-12-02", -29)).toBe("2026-11-03");
  });

  it("checks a YYYY-MM-DD day, counts days both ends included, and starts a day at 00:00Z", () => {
    expect(isUtcDay("2026-02-28")).toBe(true);
    for (const bad of ["2026-02-30", "2026-2-1", "", "yesterday", "2026-13-01"]) expect(isUtcDay(bad)).toBe(false);
    expect(utcDaysBetween("2026-11-03", "2026-12-02")).toBe(30);
    expect(utcDaysBetween("2026-12-02", "2026-12-02")).toBe(1);
    expect(utcDayStart("2026-12-02")).toBe("2026-12-02T00:00:00.000Z");
  });
});

describe("analytics ranges and URLs", () => {
  it("takes the last N days up to today (UTC), both counted", () => {
    expect(lastDays(30, new Date("2026-12-02T10:00:00Z"))).toEqual({ from: "2026-11-03", to: "2026-12-02" });
    expect(lastDays(7, new Date("2026-12-02T10:00:00Z"))).toEqual({ from: "2026-11-26", to: "2026-12-02" });
  });

  it("asks the API by the contract: view, from, to, and limit for users only", () => {
    const range = { from: "2026-11-03", to: "2026-12-02" };
    expect(analyticsUrl("daily", range)).toBe("/api/admin/analytics?view=daily&from=2026-11-03&to=2026-12-02");
    expect(analyticsUrl("users", range)).toBe("/api/admin/analytics?view=users&from=2026-11-03&to=2026-12-02&limit=50");
    expect(analyticsCsvUrl("models", range)).toBe("/api/admin/analytics/export.csv?view=models&from=2026-11-03&to=2026-12-02");
  });
});
