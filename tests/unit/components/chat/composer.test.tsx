// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Composer } from "@/components/chat/composer";

const models = [{ id: "openai/gpt-4o-mini", name: "GPT-4o mini", tier: "basic" as const, contextWindow: 128_000, pricePerMillion: { input: 0.15, output: 0.6 }, allowed: true }];

function renderComposer(props: Partial<Parameters<typeof Composer>[0]> = {}) {
  const onSend = vi.fn();
  const onStop = vi.fn();
  render(
    <Composer
      history={[]}
      remaining={40_000}
      maxOutputTokens={2_048}
      models={models}
      model="openai/gpt-4o-mini"
      onModelChange={() => {}}
      streaming={false}
      onSend={onSend}
      onStop={onStop}
      {...props}
    />,
  );
  return { onSend, onStop, box: screen.getByTestId("composer") as HTMLTextAreaElement };
}

afterEach(cleanup);

describe("Composer", () => {
  it("sends on Enter, not on Shift+Enter, and clears the draft", () => {
    const { onSend, box } = renderComposer();
    fireEvent.change(box, { target: { value: "hello" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("hello");
    expect(box.value).toBe("");
  });

  it("is a stop button while a reply streams", () => {
    const { onSend, onStop, box } = renderComposer({ streaming: true });
    fireEvent.change(box, { target: { value: "next" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Stop the reply" }));
    expect(onStop).toHaveBeenCalled();
  });

  it("estimates the draft and warns before it sends a message that cannot fit", () => {
    const { onSend, box } = renderComposer({ remaining: 500 });
    fireEvent.change(box, { target: { value: "x".repeat(400) } });
    expect(screen.getByTestId("composer-estimate").textContent).toMatch(/≈ 100 tokens/);
    expect(screen.getByTestId("budget-warning").textContent).toMatch(/reply may be cut short/);
    fireEvent.change(box, { target: { value: "x".repeat(4_000) } });
    expect(screen.getByTestId("budget-warning").textContent).toMatch(/more than the 500 you have left/);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Send" })).toHaveProperty("disabled", true);
  });
});
