import { describe, expect, it } from "vitest";
import { auditQuerySchema, grantTokensSchema, setCapOverrideSchema, updatePlanSchema, updateSettingsSchema, userActionResultSchema } from "@/lib/admin/schemas";
import { describeZodError } from "@/lib/errors";

const fieldsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? [] : describeZodError(result.error as Parameters<typeof describeZodError>[0]).map((f) => f.field);

describe("admin API schemas", () => {
  it("name the field at fault", () => {
    expect(fieldsOf(updatePlanSchema.safeParse({ id: "free", tokenCap: -1 }))).toEqual(["tokenCap"]);
    expect(fieldsOf(updatePlanSchema.safeParse({ id: "free" }))).toEqual(["(body)"]);
    expect(fieldsOf(grantTokensSchema.safeParse({ tokens: 5, reason: "   " }))).toEqual(["reason"]);
    expect(fieldsOf(setCapOverrideSchema.safeParse({}))).toEqual(["cap"]);
    expect(fieldsOf(auditQuerySchema.safeParse({ cursor: "abc" }))).toEqual(["cursor"]);
  });

  it("accept a null cap and a null balance expiry (clearing them)", () => {
    expect(setCapOverrideSchema.parse({ cap: null })).toEqual({ cap: null });
    expect(updateSettingsSchema.parse({ balanceExpiryDays: null })).toEqual({ balanceExpiryDays: null });
  });

  it("turn a user action's result into camelCase with its status", () => {
    const status = { user_id: "u", plan: "free", plan_name: "Free", period: "day", period_start: "s", resets_at: "r", used: 0, cap: 10, held: 0, remaining: 10, balance: 5 };
    expect(userActionResultSchema.parse({ ...status, ok: true, audit_id: 7, balance_ledger_id: 9, alerts: [] })).toEqual({
      ok: true,
      auditId: 7,
      balanceLedgerId: 9,
      status: { userId: "u", plan: "free", planName: "Free", period: "day", periodStart: "s", resetsAt: "r", used: 0, cap: 10, held: 0, remaining: 10, balance: 5 },
    });
  });
});
