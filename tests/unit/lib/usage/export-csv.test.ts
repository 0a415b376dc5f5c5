import { describe, expect, it, vi } from "vitest";
import { startUsageCsvExport, usageCsvFilename, usageCsvResponse } from "@/lib/usage/export-csv";
import type { UsageHistoryItem, UsageHistoryPage, UsageHistoryPosition } from "@/lib/usage/schemas";
import type { UsageHistoryOptions, UsageStore } from "@/lib/usage/store";

const identity = { userId: "user_1" };
const range = { from: "2026-11-02T08:00:00.000Z", to: "2026-12-02T08:00:00.000Z" };

function row(n: number): UsageHistoryItem {
  return {
    createdAt: new Date(Date.UTC(2026, 11, 2) - n * 1000).toISOString(),
    model: "openai/gpt-4o-mini",
    inputTokens: n,
    outputTokens: 1,
    totalTokens: n + 1,
    costUsd: 0.5,
    outcome: "ok",
    conversationId: null,
    requestId: `req_${n}`,
  };
}

/** A store over `total` rows, numbered 0.. newest first; records every page it was asked for. */
function fakeStore(total: number) {
  const calls: UsageHistoryOptions[] = [];
  let fail = false;
  const getHistoryPage = vi.fn(async (_identity: unknown, options: UsageHistoryOptions): Promise<UsageHistoryPage> => {
    calls.push(options);
    if (fail) throw new Error("database went away");
    const start = options.after ? options.after.id : 0;
    const end = Math.min(total, start + options.limit);
    const items = Array.from({ length: end - start }, (_, i) => row(start + i));
    const next: UsageHistoryPosition | null = end < total ? { createdAt: "2026-12-01T00:00:00.000000Z", id: end, asOf: "2026-12-02T08:00:00.000000Z" } : null;
    return { items, range, next };
  });
  const store = { getHistoryPage } as unknown as UsageStore;
  return { store, calls, failNext: () => (fail = true) };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("startUsageCsvExport", () => {
  it("streams a header and every row, page by page, each page after the last", async () => {
    const { store, calls } = fakeStore(25);
    const csv = await startUsageCsvExport(store, identity, "30d", { pageSize: 10 });
    expect(csv.filename).toBe("tokenmeter-usage-2026-11-02-2026-12-02.csv");
    const lines = (await readAll(csv.stream)).split("\r\n");
    expect(lines[0]).toBe("time,model,input_tokens,output_tokens,total_tokens,cost_usd,outcome,conversation_id,request_id");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(1, -1).map((line) => line.split(",").at(-1))).toEqual(Array.from({ length: 25 }, (_, n) => `req_${n}`));
    expect(calls.map((c) => [c.range, c.limit, c.after?.id ?? null])).toEqual([
      ["30d", 10, null],
      ["30d", 10, 10],
      ["30d", 10, 20],
    ]);
  });

  it("reads one page before answering and then only as the reader asks", async () => {
    const { store, calls } = fakeStore(100);
    const csv = await startUsageCsvExport(store, identity, "7d", { pageSize: 10 });
    expect(calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.length).toBeLessThanOrEqual(2); // at most one page read ahead
    const reader = csv.stream.getReader();
    await reader.read();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.length).toBeLessThanOrEqual(3);
    await reader.cancel();
  });

  it("stops reading the database once the client cancels", async () => {
    const { store, calls } = fakeStore(1000);
    const csv = await startUsageCsvExport(store, identity, "period", { pageSize: 10 });
    const reader = csv.stream.getReader();
    await reader.read();
    await reader.cancel();
    const after = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.length).toBe(after);
    expect(after).toBeLessThanOrEqual(3);
  });

  it("answers a header alone when there is nothing to export", async () => {
    const { store, calls } = fakeStore(0);
    const csv = await startUsageCsvExport(store, identity, "7d");
    expect(await readAll(csv.stream)).toBe("time,model,input_tokens,output_tokens,total_tokens,cost_usd,outcome,conversation_id,request_id\r\n");
    expect(calls).toEqual([{ range: "7d", limit: 1000 }]);
  });

  it("fails before answering when the first page fails, and cuts the download when a later one does", async () => {
    const broken = { getHistoryPage: vi.fn().mockRejectedValue(new Error("down")) } as unknown as UsageStore;
    await expect(startUsageCsvExport(broken, identity, "7d")).rejects.toThrow("down");

    const { store, failNext } = fakeStore(30);
    const csv = await startUsageCsvExport(store, identity, "7d", { pageSize: 10 });
    failNext();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(readAll(csv.stream)).rejects.toThrow("database went away");
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});

describe("usageCsvResponse", () => {
  it("is a CSV attachment named for the range that no cache keeps", async () => {
    const response = usageCsvResponse({ filename: usageCsvFilename(range), stream: new Response("a\r\n").body! });
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="tokenmeter-usage-2026-11-02-2026-12-02.csv"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe("a\r\n");
  });
});
