import { describe, expect, it } from "vitest";
import { toErrorResponse } from "@/lib/errors";
import { acknowledgeAlertsSchema } from "@/lib/metering/schemas";

describe("acknowledgeAlertsSchema (POST /api/tokens/alerts/ack)", () => {
  it.each([[{ thresholds: [80] }], [{ thresholds: [95] }], [{ thresholds: [80, 95] }]])("accepts %j", (body) => {
    expect(acknowledgeAlertsSchema.parse(body)).toEqual(body);
  });

  it.each([
    ["no thresholds", {}, "thresholds"],
    ["an empty list", { thresholds: [] }, "thresholds"],
    ["a threshold that is not a warning", { thresholds: [50] }, "thresholds.0"],
    ["a string", { thresholds: ["80"] }, "thresholds.0"],
    ["not a list", { thresholds: 80 }, "thresholds"],
    ["too many", { thresholds: [80, 95, 80] }, "thresholds"],
  ])("a 400 naming the field for %s", (_name, body, field) => {
    const parsed = acknowledgeAlertsSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    const { status, body: errorBody } = toErrorResponse(parsed.error);
    expect(status).toBe(400);
    expect((errorBody.error.details?.fields as { field: string }[]).map((f) => f.field)).toContain(field);
  });

  it("rejects unknown fields", () => {
    expect(acknowledgeAlertsSchema.safeParse({ thresholds: [80], userId: "user_other" }).success).toBe(false);
  });
});
