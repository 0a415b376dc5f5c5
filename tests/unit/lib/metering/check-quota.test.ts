import { describe, expect, it } from "vitest";
import { AppError, toErrorResponse } from "@/lib/errors";
import { checkQuota, QUOTA_HELD_RETRY_AFTER_SECONDS } from "@/lib/metering/check-quota";
import { reserveResultSchema } from "@/lib/metering/schemas";
import type { MeteringStore } from "@/lib/metering/store";

/** A store whose reserve answers a quota_exceeded refusal with these status figures (as the SQL would). */
function refusingStore(figures: { used: number; cap: number; held: number; balance: number; needed: number }): MeteringStore {
  const remaining = Math.max(Math.max(figures.cap - figures.used, 0) + figures.balance - figures.held, 0);
  const raw = {
    user_id: "user_1",
    plan: "free",
    plan_name: "Free",
    period: "day",
    period_start: "2026-12-02T00:00:00.000Z",
    resets_at: "2026-12-03T00:00:00.000Z",
    used: figures.used,
    cap: figures.cap,
    held: figures.held,
    remaining,
    balance: figures.balance,
    alerts: [],
    ok: false,
    reason: "quota_exceeded",
    request_id: "req_1",
    needed: figures.needed,
  };
  return { reserveTokens: async () => reserveResultSchema.parse(raw) } as unknown as MeteringStore;
}

async function refusal(store: MeteringStore): Promise<AppError> {
  const error = await checkQuota(store, { userId: "user_1", requestId: "req_1", model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("checkQuota: held is not exhausted", () => {
  it("quota_held (429, Retry-After) when the request fits once the user's holds are gone", async () => {
    // 3,380 left before the two chats in flight took 3,000 of it; this request needs 2,000.
    const error = await refusal(refusingStore({ used: 36_620, cap: 40_000, held: 3_000, balance: 0, needed: 2_000 }));
    expect(error.code).toBe("quota_held");
    expect(error.details).toEqual({ remaining: 380, held: 3_000, needed: 2_000, retryAfterSeconds: QUOTA_HELD_RETRY_AFTER_SECONDS });
    const response = toErrorResponse(error);
    expect(response.status).toBe(429);
    expect(response.headers).toEqual({ "Retry-After": String(QUOTA_HELD_RETRY_AFTER_SECONDS) });
    expect(response.body.error.message).toBe("Your other chats in progress hold the remaining tokens; try again in a moment.");
  });

  it("counts the balance as free: allowance spent, balance held by another chat", async () => {
    const error = await refusal(refusingStore({ used: 40_000, cap: 40_000, held: 900, balance: 1_000, needed: 500 }));
    expect(error.code).toBe("quota_held");
    expect(error.details).toMatchObject({ remaining: 100, held: 900, needed: 500 });
  });

  it("needed exactly what is free without the holds: quota_held", async () => {
    expect((await refusal(refusingStore({ used: 0, cap: 1_000, held: 1, balance: 0, needed: 1_000 }))).code).toBe("quota_held");
  });

  it.each([
    ["nothing is held", { used: 39_000, cap: 40_000, held: 0, balance: 0, needed: 2_000 }],
    ["it would not fit even without the holds", { used: 36_620, cap: 40_000, held: 3_000, balance: 0, needed: 3_381 }],
    // remaining is floored at 0: remaining + held (0 + 5,000) would overstate the 1,000 left.
    ["the holds exceed what is left (a lowered cap)", { used: 9_000, cap: 10_000, held: 5_000, balance: 0, needed: 2_000 }],
    ["a spent allowance and no balance", { used: 41_000, cap: 40_000, held: 500, balance: 0, needed: 100 }],
  ])("quota_exceeded (402) when %s", async (_name, figures) => {
    const error = await refusal(refusingStore(figures));
    expect(error.code).toBe("quota_exceeded");
    expect(toErrorResponse(error).status).toBe(402);
    expect(error.details).toMatchObject({ used: figures.used, cap: figures.cap, balance: figures.balance, needed: figures.needed });
  });
});
