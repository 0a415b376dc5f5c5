import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/client/errors";
import { FORM_ERROR, fieldErrorsFromApi, fieldErrorsFromIssues } from "@/lib/client/field-errors";
import { updatePlanSchema, updateSettingsSchema } from "@/lib/client/admin-inputs";

describe("fieldErrorsFromIssues", () => {
  it("names each field once, a nested path by its top field, and a body-wide issue as the form's", () => {
    const result = updatePlanSchema.safeParse({ id: "free", tokenCap: -1, modelTiers: ["gold"], maxOutputTokens: 0 });
    expect(fieldErrorsFromIssues(result.error!.issues)).toEqual({
      tokenCap: "must be at least 0",
      modelTiers: "must be basic, advanced or premium",
      maxOutputTokens: "must be at least 1",
    });
    const empty = updateSettingsSchema.safeParse({});
    expect(fieldErrorsFromIssues(empty.error!.issues)).toEqual({ [FORM_ERROR]: expect.stringContaining("must change at least one of") });
  });
});

describe("fieldErrorsFromApi", () => {
  it("reads a 400's and a 409's details.fields ('(body)' is the form's)", () => {
    const badRequest = new ApiError("bad_request", "Invalid tokenCap: must be at least 0", {
      status: 400,
      details: { fields: [{ field: "tokenCap", message: "must be at least 0" }, { field: "modelTiers.0", message: "must be basic, advanced or premium" }, { field: "(body)", message: "nope" }] },
    });
    expect(fieldErrorsFromApi(badRequest)).toEqual({ tokenCap: "must be at least 0", modelTiers: "must be basic, advanced or premium", [FORM_ERROR]: "nope" });
    const conflict = new ApiError("conflict", "Payment reference p1 has already been applied; nothing was changed.", {
      status: 409,
      details: { fields: [{ field: "paymentRef", message: "has already been applied" }] },
    });
    expect(fieldErrorsFromApi(conflict)).toEqual({ paymentRef: "has already been applied" });
  });

  it("is empty when the error names no fields or they are malformed", () => {
    expect(fieldErrorsFromApi(new ApiError("forbidden", "Admins only.", { status: 403 }))).toEqual({});
    expect(fieldErrorsFromApi(new ApiError("bad_request", "x", { details: { fields: "tokenCap" } }))).toEqual({});
    expect(fieldErrorsFromApi(new ApiError("bad_request", "x", { details: { fields: [{ field: 3 }, null] } }))).toEqual({});
  });
});
