import { randomUUID } from "node:crypto";
import { inject, vi } from "vitest";

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
/** The origin test requests are sent to (APP_URL's default), and the Origin a browser on the app sends. */
export const APP_ORIGIN = "http://localhost:3000";

export type TestUser = { id: string; name: string };

export function newTestUser(name = "Test User"): TestUser {
  return { id: `user_${randomUUID()}`, name };
}

const sessions = new Map<string, Promise<string>>();

/**
 * `tm_session=<value>` for a real session of the user, started in the run's database as sign-in
 * starts one (lib/auth/sessions.ts `startSession`, the app's session store). One per user per test file.
 */
export function sessionCookieFor(user: TestUser): Promise<string> {
  const key = `${user.id}\u0000${user.name}`;
  let cookie = sessions.get(key);
  if (!cookie) {
    cookie = startTestSession(user);
    sessions.set(key, cookie);
  }
  return cookie;
}

/** A new session of the user, not cached: for tests that revoke or expire it. */
export async function startTestSession(user: TestUser): Promise<string> {
  const { getStores, startSession } = await appModules();
  return (await startSession(getStores().sessions, user)).split(";")[0]!;
}

let modules: Promise<{ getStores: typeof import("@/lib/api/stores").getStores; startSession: typeof import("@/lib/auth/sessions").startSession }> | undefined;

/** The app's modules as first loaded (after useAppEnv), kept: a test's vi.resetModules() must not swap them. */
function appModules() {
  modules ??= Promise.all([import("@/lib/api/stores"), import("@/lib/auth/sessions")]).then(([stores, sessions]) => ({
    getStores: stores.getStores,
    startSession: sessions.startSession,
  }));
  return modules;
}

/**
 * A Request to the app carrying the user's session cookie (or none, for signed-out calls). Like a
 * browser's fetch, a POST, PUT, PATCH or DELETE carries the app's own `Origin` unless `headers` sets one.
 */
export async function appRequest(path: string, init: RequestInit & { user?: TestUser; json?: unknown } = {}): Promise<Request> {
  const headers = new Headers(init.headers);
  if (init.user) headers.set("cookie", await sessionCookieFor(init.user));
  const method = (init.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD" && !headers.has("origin")) headers.set("origin", APP_ORIGIN);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return new Request(new URL(path, APP_ORIGIN), { ...init, headers, body });
}
