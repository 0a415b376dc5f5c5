import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getPeriodBounds, isSamePeriod } from "@/lib/metering/periods";

const iso = (d: Date) => d.toISOString();

describe("getPeriodBounds", () => {
  it.each([
    ["2026-11-25T23:59:59.999Z", "2026-11-25T00:00:00.000Z", "2026-11-26T00:00:00.000Z"],
    ["2026-11-26T00:00:00.000Z", "2026-11-26T00:00:00.000Z", "2026-11-27T00:00:00.000Z"],
    ["2026-01-31T12:00:00.000Z", "2026-01-31T00:00:00.000Z", "2026-02-01T00:00:00.000Z"],
    ["2026-12-31T23:59:59.000Z", "2026-12-31T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
    ["2028-02-29T08:00:00.000Z", "2028-02-29T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
  ])("a day period around %s", (at, start, resetsAt) => {
    const bounds = getPeriodBounds("day", new Date(at));
    expect([iso(bounds.start), iso(bounds.resetsAt)]).toEqual([start, resetsAt]);
  });

  it.each([
    ["2026-01-31T23:59:59.000Z", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"],
    ["2026-02-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"],
    ["2026-12-31T23:59:59.999Z", "2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
    ["2028-02-29T23:00:00.000Z", "2028-02-01T00:00:00.000Z", "2028-03-01T00:00:00.000Z"],
  ])("a month period around %s", (at, start, resetsAt) => {
    const bounds = getPeriodBounds("month", new Date(at));
    expect([iso(bounds.start), iso(bounds.resetsAt)]).toEqual([start, resetsAt]);
  });

  const instant = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-12-31T23:59:59Z"), noInvalidDate: true });

  it("contains its instant and starts at a UTC midnight / first of month (property)", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom("day" as const, "month" as const), (at, kind) => {
        const { start, resetsAt } = getPeriodBounds(kind, at);
        expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime()).toBeLessThan(resetsAt.getTime());
        for (const edge of [start, resetsAt]) {
          expect(edge.getUTCHours() + edge.getUTCMinutes() + edge.getUTCSeconds() + edge.getUTCMilliseconds()).toBe(0);
          if (kind === "month") expect(edge.getUTCDate()).toBe(1);
        }
        // The next period starts exactly where this one resets.
        expect(getPeriodBounds(kind, resetsAt).start.getTime()).toBe(resetsAt.getTime());
        expect(getPeriodBounds(kind, new Date(resetsAt.getTime() - 1)).start.getTime()).toBe(start.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it("two instants share a period iff they fall between the same bounds (property)", () => {
    fc.assert(
      fc.property(instant, instant, fc.constantFrom("day" as const, "month" as const), (a, b, kind) => {
        const { start, resetsAt } = getPeriodBounds(kind, a);
        expect(isSamePeriod(kind, a, b)).toBe(b >= start && b < resetsAt);
      }),
      { numRuns: 500 },
    );
  });
});
