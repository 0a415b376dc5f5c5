// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MessageItem } from "@/components/chat/message-item";
import type { ChatMessage } from "@/lib/client/chat-messages";

const renders = vi.hoisted(() => new Map<string, number>());
vi.mock("@/components/chat/markdown", () => ({
  Markdown: ({ text }: { text: string }) => {
    const key = text.slice(0, 8);
    renders.set(key, (renders.get(key) ?? 0) + 1);
    return <p>{text}</p>;
  },
}));

afterEach(() => {
  cleanup();
  renders.clear();
});

function List({ messages, onRetry }: { messages: ChatMessage[]; onRetry: () => void }) {
  return (
    <ol>
      {messages.map((m) => (
        <MessageItem key={m.key} message={m} canRetry={false} onRetry={onRetry} />
      ))}
    </ol>
  );
}

describe("MessageItem", () => {
  it("earlier replies do not re-render while the last one streams", () => {
    const onRetry = () => {};
    const first: ChatMessage = { key: "a1", role: "assistant", content: "EARLIER reply", state: "done" };
    let streaming: ChatMessage = { key: "a2", role: "assistant", content: "STREAMIN", state: "streaming" };
    const { rerender } = render(<List messages={[first, streaming]} onRetry={onRetry} />);
    for (let i = 0; i < 20; i++) {
      streaming = { ...streaming, content: `${streaming.content} more` };
      rerender(<List messages={[first, streaming]} onRetry={onRetry} />);
    }
    expect(renders.get("EARLIER ")).toBe(1);
    expect(renders.get("STREAMIN")).toBe(21);
  });

  it("shows a reply's tokens once it is done, and marks a stopped reply", () => {
    render(
      <List
        onRetry={() => {}}
        messages={[
          { key: "s", role: "assistant", content: "Partial", state: "stopped", usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15, costUsd: null, outcome: "aborted" } },
        ]}
      />,
    );
    expect(screen.getByTestId("message-tokens").textContent).toBe("12 in · 3 out · 15 tokens");
    expect(screen.getByText(/Stopped/)).toBeTruthy();
  });

  it("says when a reply's usage is not recorded yet (the database was away)", () => {
    render(
      <List
        onRetry={() => {}}
        messages={[
          { key: "p", role: "assistant", content: "Done", state: "done", usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12, costUsd: null, outcome: "ok", pending: true } },
        ]}
      />,
    );
    expect(screen.getByTestId("message-usage-pending").textContent).toMatch(/not recorded yet: counted when our database is back/);
  });
});
