import { randomUUID } from "node:crypto";
import { inject, vi } from "vitest";
import { SESSION_COOKIE, signSession } from "@/lib/auth/session-token";

/**
 * For route-handler tests: point the app's configuration at the run's throwaway database and the
 * given LLM base URL, before any app module is imported (lib/env.ts parses on first use).
 */
export function useAppEnv(overrides: Record<string, string> = {}): void {
  const values: Record<string, string> = {
    DATABASE_URL: inject("databaseUrl"),
    OPENROUTER_BASE_URL: "http://127.0.0.1:9/v1", // nothing listens there; chat tests pass their local LLM server
    OPENROUTER_API_KEY: "",
    SESSION_SECRET: TEST_SESSION_SECRET,
    ...overrides,
  };
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
}

export const TEST_SESSION_SECRET = "integration-test-session-secret-0123456789";

export type TestUser = { id: string; name: string };

export function newTestUser(name = "Test User"): TestUser {
  return { id: `user_${randomUUID()}`, name };
}

/** A Request to the app carrying the user's signed session cookie (or none, for signed-out calls). */
export function appRequest(path: string, init: RequestInit & { user?: TestUser; json?: unknown } = {}): Request {
  const headers = new Headers(init.headers);
  if (init.user) headers.set("cookie", `${SESSION_COOKIE}=${signSession(init.user, TEST_SESSION_SECRET)}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return new Request(new URL(path, "http://localhost:3000"), { ...init, headers, body });
}
