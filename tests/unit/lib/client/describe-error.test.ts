import { describe, expect, it } from "vitest";
import { describeError } from "@/lib/client/describe-error";
import { ApiError, errorCodes } from "@/lib/client/errors";

describe("describeError", () => {
  it.each(errorCodes)("gives %s a title, a sentence and a place to show it", (code) => {
    const shown = describeError(new ApiError(code, "server words"));
    expect(shown.title.length).toBeGreaterThan(3);
    expect(shown.description.length).toBeGreaterThan(10);
    expect(["toast", "inline", "sign-in"]).toContain(shown.display);
  });

  it("says when to retry a rate limit, and when a spent allowance comes back, in local time", () => {
    const now = new Date("2026-12-02T18:48:00Z");
    expect(describeError(new ApiError("rate_limited", "Too many", { details: { retryAfterSeconds: 12 } }), now)).toMatchObject({
      display: "toast",
      retryAfterSeconds: 12,
      description: expect.stringContaining("Try again in 12 s."),
    });
    const quota = describeError(
      new ApiError("quota_exceeded", "Not enough tokens left for this request: it needs about 50, 3 remain. Your allowance resets at 2026-12-03T00:00:00.000Z.", {
        details: { resetsAt: "2026-12-03T00:00:00.000Z" },
      }),
      now,
    );
    expect(quota).toMatchObject({ display: "inline", retryable: false });
    expect(quota.description).toContain("resets in 5 h 12 min");
    expect(quota.description).not.toContain("2026-12-03T");
  });

  it("says that held tokens are not spent ones, and sends a signed-out user to sign in", () => {
    expect(describeError(new ApiError("quota_held", "x")).description).toBe("Your other chats in progress hold the remaining tokens; try again in a moment.");
    expect(describeError(new ApiError("unauthorized", "x")).display).toBe("sign-in");
  });
});
