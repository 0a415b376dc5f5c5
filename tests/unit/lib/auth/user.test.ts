import { describe, expect, it } from "vitest";
import { identityOf } from "@/lib/auth/user";

describe("identityOf", () => {
  it("carries the Clerk session token when there is one, and only the id otherwise", () => {
    expect(identityOf({ id: "dev_ann", name: "Ann" })).toEqual({ userId: "dev_ann" });
    expect(identityOf({ id: "user_1", name: "Bo", accessToken: "jwt" })).toEqual({ userId: "user_1", accessToken: "jwt" });
  });
});
