import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { getPeriodBounds } from "@/lib/metering/periods";
import { createTestPool } from "./helpers/db";

const db = createTestPool(2);
afterAll(() => db.end());

describe("period math: TypeScript and SQL agree", () => {
  it("getPeriodBounds equals public.period_bounds for random instants (property)", async () => {
    const instant = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-12-31T23:59:59.999Z"), noInvalidDate: true });
    const edges = fc.constantFrom(
      "2026-11-25T23:59:59.999Z",
      "2026-11-26T00:00:00.000Z",
      "2027-01-31T23:59:59.999Z",
      "2027-02-01T00:00:00.000Z",
      "2026-12-31T23:59:59.999Z",
      "2027-01-01T00:00:00.000Z",
      "2028-02-29T12:00:00.000Z",
      "2028-03-01T00:00:00.000Z",
    ).map((iso) => new Date(iso));
    await fc.assert(
      fc.asyncProperty(fc.oneof(instant, edges), fc.constantFrom("day" as const, "month" as const), async (at, period) => {
        const { rows } = await db.query<{ start: Date; resets_at: Date }>(
          "select period_start as start, resets_at from public.period_bounds($1, $2)",
          [period, at.toISOString()],
        );
        const ts = getPeriodBounds(period, at);
        expect(rows[0]!.start.toISOString()).toBe(ts.start.toISOString());
        expect(rows[0]!.resets_at.toISOString()).toBe(ts.resetsAt.toISOString());
      }),
      { numRuns: 300 },
    );
  });
});
