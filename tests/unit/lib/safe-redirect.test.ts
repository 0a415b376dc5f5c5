import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "@/lib/safe-redirect";

describe("safeRedirectPath", () => {
  it.each([
    ["/usage?page=2#top", "/usage?page=2#top"],
    ["/", "/"],
    [undefined, "/"],
    [["/a", "/b"], "/a"],
  ])("keeps the same-origin path %j", (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });

  it.each(["//evil.com", "/\\evil.com", "/\t/evil.com", "https://evil.com", "javascript:alert(1)", "evil.com", ""])(
    "refuses %j",
    (input) => {
      expect(safeRedirectPath(input)).toBe("/");
    },
  );
});
