import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, errorCodes, toApiError } from "@/lib/client/errors";
import { fetchJson } from "@/lib/client/fetch-json";
import { AppError, toErrorResponse } from "@/lib/errors";

afterEach(() => vi.unstubAllGlobals());

describe("toApiError", () => {
  it.each(errorCodes)("rebuilds what the server sends for %s: code, message, details and status", (code) => {
    const { status, body } = toErrorResponse(new AppError(code, `message for ${code}`, { details: { a: 1 } }));
    const error = toApiError(JSON.parse(JSON.stringify(body)), status);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code, message: `message for ${code}`, details: { a: 1 }, status });
  });

  it.each([
    [null, 502, "upstream_unavailable"],
    ["<html>Bad gateway</html>", 503, "unavailable"],
    [{ error: { code: "teapot", message: "no" } }, 418, "bad_request"],
    [{ error: "nope" }, 500, "internal"],
    [undefined, 0, "unavailable"],
  ])("turns a body that is not ours (%o, HTTP %i) into %s, never a crash", (body, status, code) => {
    expect(toApiError(body, status)).toMatchObject({ code, status });
  });
});

describe("fetchJson", () => {
  it("resolves to the body when ok and throws the rebuilt ApiError otherwise", async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) =>
      JSON.parse(String(init?.body)).ok
        ? Response.json({ fine: true })
        : Response.json({ error: { code: "quota_exceeded", message: "No tokens left.", details: { remaining: 0 } } }, { status: 402 }),
    );
    vi.stubGlobal("fetch", fetchMock);
    await expect(fetchJson("/api/x", { method: "POST", json: { ok: true } })).resolves.toEqual({ fine: true });
    expect(new Headers(fetchMock.mock.calls[0]![1]!.headers).get("content-type")).toBe("application/json");
    await expect(fetchJson("/api/x", { method: "POST", json: { ok: false } })).rejects.toMatchObject({
      name: "ApiError",
      code: "quota_exceeded",
      status: 402,
      details: { remaining: 0 },
    });
  });

  it("a network failure is unavailable", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("fetch failed"))));
    await expect(fetchJson("/api/x")).rejects.toMatchObject({ code: "unavailable", status: 0 });
  });
});
