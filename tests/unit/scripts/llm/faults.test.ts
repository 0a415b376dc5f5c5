import { describe, expect, it } from "vitest";
import { createFaultQueue, FaultMarkerError, parseFaultMarker } from "../../../../scripts/llm/faults";

describe("parseFaultMarker", () => {
  it.each([
    ["[[fault:429]]", { mode: "http_429" }],
    ["[[fault:500]]", { mode: "http_500" }],
    ["[[fault:503]]", { mode: "http_error", status: 503 }],
    ["[[fault:stall]]", { mode: "stall" }],
    ["[[fault:cut:5]]", { mode: "cut", chunks: 5 }],
    ["[[fault:cut:0]]", { mode: "cut", chunks: 0 }],
    ["[[fault:stall_after:3]]", { mode: "stall_after", chunks: 3 }],
    ["Hello there [[FAULT:STALL]] friend", { mode: "stall" }],
  ])("%s", (text, fault) => {
    expect(parseFaultMarker(text)).toEqual(fault);
  });

  it("returns null without a marker", () => {
    expect(parseFaultMarker("just a question [[reply_tokens:5]]")).toBeNull();
  });

  it.each(["[[fault:404]]", "[[fault:stal]]", "[[fault:cut]]", "[[fault:429:2]]", "[[fault:stall_after]]"])("rejects %s", (text) => {
    expect(() => parseFaultMarker(text)).toThrow(FaultMarkerError);
  });
});

describe("createFaultQueue", () => {
  it("hands out faults once each, in order", () => {
    const queue = createFaultQueue();
    queue.push({ mode: "http_429" }, { mode: "cut", chunks: 2 });
    expect(queue.pending()).toHaveLength(2);
    expect(queue.take()).toEqual({ mode: "http_429" });
    expect(queue.take()).toEqual({ mode: "cut", chunks: 2 });
    expect(queue.take()).toBeNull();
  });

  it("validates what is pushed and clears", () => {
    const queue = createFaultQueue();
    expect(() => queue.push({ mode: "http_error", status: 404 })).toThrow();
    queue.push({ mode: "stall" });
    queue.clear();
    expect(queue.take()).toBeNull();
  });
});
