import { describe, expect, it } from "vitest";
import { changedFields, optionalText, parseDecimal, parseInteger, toInputText } from "@/lib/client/admin-forms";
import { updatePlanSchema } from "@/lib/client/admin-inputs";

describe("parseInteger", () => {
  it("reads digits with the usual group separators", () => {
    expect(parseInteger("40000")).toBe(40_000);
    expect(parseInteger(" 40,000 ")).toBe(40_000);
    expect(parseInteger("40 000")).toBe(40_000);
    expect(parseInteger("40_000")).toBe(40_000);
    expect(parseInteger("-5")).toBe(-5);
  });

  it("leaves a fraction for the schema to refuse as not an integer", () => {
    expect(parseInteger("1.5")).toBe(1.5);
    expect(updatePlanSchema.safeParse({ id: "free", tokenCap: parseInteger("1.5") }).error?.issues[0]?.message).toBe("must be an integer");
  });

  it("makes blank or words NaN, which the schema calls not a number", () => {
    for (const text of ["", "  ", "lots", "1e3", "12abc"]) expect(parseInteger(text)).toBeNaN();
    expect(updatePlanSchema.safeParse({ id: "free", tokenCap: parseInteger("") }).error?.issues[0]?.message).toBe("must be a number");
  });
});

describe("parseDecimal", () => {
  it("reads prices and factors", () => {
    expect(parseDecimal("0.15")).toBe(0.15);
    expect(parseDecimal(".5")).toBe(0.5);
    expect(parseDecimal("2.")).toBe(2);
    expect(parseDecimal(" 1.3 ")).toBe(1.3);
  });

  it("makes blank, words and a decimal comma NaN", () => {
    for (const text of ["", "cheap", "1,5", "1.2.3"]) expect(parseDecimal(text)).toBeNaN();
  });
});

describe("changedFields", () => {
  it("keeps only what differs, lists compared as sets", () => {
    const plan = { id: "free", displayName: "Free", tokenCap: 40_000, modelTiers: ["basic", "advanced"], period: "day" };
    expect(changedFields(plan, { displayName: "Free", tokenCap: 40_000, modelTiers: ["advanced", "basic"], period: "day" })).toEqual({});
    expect(changedFields(plan, { displayName: "Free", tokenCap: 45_000, modelTiers: ["basic"], period: "month" })).toEqual({ tokenCap: 45_000, modelTiers: ["basic"], period: "month" });
  });

  it("counts NaN as a change (so the schema says why), and null against a number", () => {
    expect(changedFields({ tokenCap: 5 }, { tokenCap: Number.NaN })).toEqual({ tokenCap: Number.NaN });
    expect(changedFields<{ balanceExpiryDays: number | null }>({ balanceExpiryDays: 30 }, { balanceExpiryDays: null })).toEqual({ balanceExpiryDays: null });
    expect(changedFields<{ balanceExpiryDays: number | null }>({ balanceExpiryDays: null }, { balanceExpiryDays: null })).toEqual({});
  });
});

describe("optionalText and toInputText", () => {
  it("leaves a blank optional text out and shows numbers ungrouped", () => {
    expect(optionalText("  ")).toBeUndefined();
    expect(optionalText(" why ")).toBe(" why ");
    expect(toInputText(1_500_000)).toBe("1500000");
    expect(toInputText(null)).toBe("");
  });
});
