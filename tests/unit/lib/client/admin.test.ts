import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { auditPageSchema, modelsResultSchema, plansResultSchema, settingsResultSchema, userActionResultSchema, userDetailSchema, usersPageSchema } from "@/lib/admin/schemas";
import type { AdminModelView, AuditPageView, PlanView, SettingsView, UserActionResultView, UserDetailView, UsersPageView } from "@/lib/client/admin";
import { compactJson, withQuery } from "@/lib/client/admin";

describe("the admin views the browser reads", () => {
  it("are what the server's result schemas produce (each assignable to the other)", () => {
    type Plan = z.output<typeof plansResultSchema>["plans"][number];
    type Model = z.output<typeof modelsResultSchema>["models"][number];
    type Settings = z.output<typeof settingsResultSchema>["settings"];
    type Users = z.output<typeof usersPageSchema>;
    type Detail = z.output<typeof userDetailSchema>;
    type Audit = z.output<typeof auditPageSchema>;
    type Action = Extract<z.output<typeof userActionResultSchema>, { ok: true }>;
    expectTypeOf<Plan>().toExtend<PlanView>();
    expectTypeOf<PlanView>().toExtend<Plan>();
    expectTypeOf<Model>().toExtend<AdminModelView>();
    expectTypeOf<AdminModelView>().toExtend<Model>();
    expectTypeOf<Settings>().toExtend<SettingsView>();
    expectTypeOf<SettingsView>().toExtend<Settings>();
    expectTypeOf<Users>().toExtend<UsersPageView>();
    expectTypeOf<UsersPageView>().toExtend<Users>();
    expectTypeOf<Detail>().toExtend<UserDetailView>();
    expectTypeOf<UserDetailView>().toExtend<Detail>();
    expectTypeOf<Audit>().toExtend<AuditPageView>();
    expectTypeOf<AuditPageView>().toExtend<Audit>();
    expectTypeOf<Action>().toExtend<UserActionResultView>();
    expectTypeOf<UserActionResultView>().toExtend<Action>();
  });
});

describe("withQuery", () => {
  it("leaves out empty values and encodes the rest", () => {
    expect(withQuery("/api/admin/users", { q: " dev_a b ", plan: "", limit: 25, cursor: undefined })).toBe("/api/admin/users?q=dev_a+b&limit=25");
    expect(withQuery("/api/admin/audit", {})).toBe("/api/admin/audit");
  });
});

describe("compactJson", () => {
  it("says an audit value on one line", () => {
    expect(compactJson({ token_cap: 40000, period: "day" })).toBe('token_cap: 40000, period: "day"');
    expect(compactJson({ model_tiers: ["basic"] })).toBe('model_tiers: ["basic"]');
    expect(compactJson(null)).toBe("—");
    expect(compactJson({})).toBe("{}");
    expect(compactJson(5)).toBe("5");
  });
});
