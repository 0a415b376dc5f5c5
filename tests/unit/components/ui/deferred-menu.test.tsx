// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DeferredMenu } from "@/components/ui/deferred-menu";

afterEach(cleanup);

function Page() {
  return (
    <div>
      <DeferredMenu label="Account" trigger={<button type="button">Account</button>} items={[{ label: "Usage", href: "/usage" }]} />
      <textarea aria-label="Composer" />
    </div>
  );
}

/*
 * That the loaded menu never pulls back a focus that has moved on (tabbing past the account button to the
 * composer while the menu loads) is proven in the browser by tests/e2e/chat.spec.ts's keyboard-only test,
 * which failed on it; in jsdom the steal did not reproduce.
 */
describe("DeferredMenu", () => {
  it("keeps the focus on the trigger when it still has it as the menu loads", async () => {
    render(<Page />);
    const trigger = screen.getByRole("button", { name: "Account" });
    act(() => trigger.focus());
    await waitFor(() => expect(screen.getByRole("button", { name: "Account" })).not.toBe(trigger));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Account" })));
  });
});
