import { describe, expect, it } from "vitest";
import { tokenStatusSchema } from "@/lib/metering/schemas";
import { toTokenStatusView } from "@/lib/metering/token-status-view";

describe("toTokenStatusView", () => {
  it("is the one client shape of a status: camelCase, ISO times in UTC, no user id", () => {
    const status = tokenStatusSchema.parse({
      user_id: "user_1",
      plan: "free",
      plan_name: "Free",
      period: "day",
      period_start: "2026-12-02T00:00:00+00:00",
      resets_at: "2026-12-03T00:00:00+00:00",
      used: 1200,
      cap: 40000,
      held: 300,
      remaining: 38500,
      balance: 0,
    });
    expect(toTokenStatusView(status)).toEqual({
      used: 1200,
      cap: 40000,
      remaining: 38500,
      held: 300,
      balance: 0,
      plan: "free",
      planName: "Free",
      period: "day",
      periodStart: "2026-12-02T00:00:00.000Z",
      resetsAt: "2026-12-03T00:00:00.000Z",
      alerts: [],
    });
  });

  it("carries the unacknowledged threshold crossings, in order, with ISO times", () => {
    const status = tokenStatusSchema.parse({
      user_id: "user_1",
      plan: "free",
      plan_name: "Free",
      period: "day",
      period_start: "2026-12-02T00:00:00.000Z",
      resets_at: "2026-12-03T00:00:00.000Z",
      used: 38_500,
      cap: 40_000,
      held: 0,
      remaining: 1500,
      balance: 0,
      alerts: [
        { threshold: 80, crossed_at: "2026-12-02T09:00:00.000Z" },
        { threshold: 95, crossed_at: "2026-12-02T10:30:00+00:00" },
      ],
    });
    expect(toTokenStatusView(status).alerts).toEqual([
      { threshold: 80, crossedAt: "2026-12-02T09:00:00.000Z" },
      { threshold: 95, crossedAt: "2026-12-02T10:30:00.000Z" },
    ]);
  });

  it("rejects a threshold that is not a warning threshold", () => {
    const parsed = tokenStatusSchema.safeParse({
      user_id: "user_1",
      plan: "free",
      plan_name: "Free",
      period: "day",
      period_start: "2026-12-02T00:00:00.000Z",
      resets_at: "2026-12-03T00:00:00.000Z",
      used: 0,
      cap: 40_000,
      held: 0,
      remaining: 40_000,
      balance: 0,
      alerts: [{ threshold: 50, crossed_at: "2026-12-02T09:00:00.000Z" }],
    });
    expect(parsed.success).toBe(false);
  });
});
