import { describe, expect, it } from "vitest";
import { noStoreJson } from "@/lib/api/no-store-json";

describe("noStoreJson", () => {
  it("a small answer is not cached and not worth compressing: no-store, no-transform", async () => {
    const response = noStoreJson({ used: 1200, cap: 40_000 }, { status: 201, headers: { "X-Extra": "1" } });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-extra")).toBe("1");
    expect(await response.json()).toEqual({ used: 1200, cap: 40_000 });
  });

  it("an answer of 1 kB or more may still be compressed: no-store alone", async () => {
    const body = { messages: Array.from({ length: 40 }, (_, i) => ({ id: i, content: "a reply of some length" })) };
    const response = noStoreJson(body);
    expect(JSON.stringify(body).length).toBeGreaterThanOrEqual(1024);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual(body);
  });
});
