import { describe, expect, it } from "vitest";
import { MIN_OUTPUT_TOKENS } from "@/lib/metering/check-quota";
import { createEmergencyAllowance } from "@/lib/metering/emergency-allowance";
import { countChatTokens } from "@/lib/metering/tokenizer";

const messages = [{ role: "user" as const, content: "Hello there, how are you?" }];
const prompt = countChatTokens(messages);

describe("the emergency allowance (fail-open)", () => {
  it("grants the prompt plus the output that fits, per user, and refuses when less than a short reply is left", () => {
    const allowance = createEmergencyAllowance({ perUserTokens: 200, totalTokens: 10_000 });
    const first = allowance.take({ userId: "a", messages });
    expect(first).toEqual({ promptTokens: prompt, maxOutputTokens: 200 - prompt, reserved: 200 });
    expect(allowance.take({ userId: "a", messages })).toBeNull();
    expect(allowance.take({ userId: "b", messages, maxOutputTokens: 50 })).toEqual({ promptTokens: prompt, maxOutputTokens: 50, reserved: prompt + 50 });
  });

  it("takes back what a reply did not use, never more than was taken", () => {
    const allowance = createEmergencyAllowance({ perUserTokens: 200, totalTokens: 10_000 });
    allowance.take({ userId: "a", messages });
    allowance.giveBack("a", 100);
    expect(allowance.take({ userId: "a", messages })?.reserved).toBe(100);
    allowance.giveBack("a", 10_000);
    allowance.giveBack("nobody", 50);
    expect(allowance.take({ userId: "a", messages })?.reserved).toBe(200);
  });

  it("caps the whole instance, and is whole again once the database answers", () => {
    const allowance = createEmergencyAllowance({ perUserTokens: 200, totalTokens: 300 });
    expect(allowance.take({ userId: "a", messages })?.reserved).toBe(200);
    expect(allowance.take({ userId: "b", messages })?.reserved).toBe(100);
    expect(allowance.take({ userId: "c", messages })).toBeNull();
    allowance.reset();
    expect(allowance.take({ userId: "c", messages })?.reserved).toBe(200);
  });

  it("never grants less than the smallest reply worth starting", () => {
    const allowance = createEmergencyAllowance({ perUserTokens: prompt + MIN_OUTPUT_TOKENS - 1, totalTokens: 10_000 });
    expect(allowance.take({ userId: "a", messages })).toBeNull();
  });
});
