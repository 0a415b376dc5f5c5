import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { startLlmServer, type LlmServer } from "../../scripts/llm/server";
import { getFreePort } from "@/scripts/free-port";

/** GET /api/health, loaded fresh so it reads the environment set by each test. */
async function getHealth(): Promise<{ status: number; body: Record<string, unknown> }> {
  vi.resetModules();
  (globalThis as { tokenmeterPool?: { end(): Promise<void> } }).tokenmeterPool?.end().catch(() => {});
  delete (globalThis as { tokenmeterPool?: unknown }).tokenmeterPool;
  const { GET } = await import("@/app/api/health/route");
  const response = await GET(new Request("http://localhost:3000/api/health"));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("GET /api/health", () => {
  let llm: LlmServer;
  beforeAll(async () => {
    llm = await startLlmServer({ chunkDelayMs: 0 });
  });
  afterAll(() => llm.close());
  beforeEach(() => {
    vi.unstubAllEnvs();
    vi.stubEnv("DATABASE_URL", inject("databaseUrl"));
    vi.stubEnv("OPENROUTER_BASE_URL", llm.url);
    vi.stubEnv("OPENROUTER_API_KEY", "");
  });

  it("is 200 with every part ok and the version", async () => {
    const { status, body } = await getHealth();
    expect(status).toBe(200);
    expect(body).toEqual({ status: "ok", database: "ok", llm: "ok", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("is 503 naming the database when it is unreachable", async () => {
    vi.stubEnv("DATABASE_URL", `postgresql://postgres:postgres@127.0.0.1:${await getFreePort()}/postgres`);
    const { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "degraded", database: "error", llm: "ok", errors: { database: "database unreachable" } });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it("is 503 naming the LLM upstream when it is unreachable", async () => {
    vi.stubEnv("OPENROUTER_BASE_URL", `http://127.0.0.1:${await getFreePort()}/v1`);
    const { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "degraded", database: "ok", llm: "error" });
  });
});
