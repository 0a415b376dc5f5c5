import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./scripts/chromium";
import { TEST_CLERK_PUBLIC_KEY, TEST_CLERK_PUBLISHABLE_KEY, TEST_CLERK_SECRET_KEY } from "./tests/e2e/clerk-test-keys";
import { E2E_APP_PORT, E2E_CLERK_APP_PORT, E2E_CLERK_DB_PORT, E2E_CLERK_LLM_PORT, E2E_DB_PORT, E2E_LLM_PORT } from "./tests/e2e/e2e-env";

/**
 * End-to-end tests: the built app (`next start` through our launcher, with a throwaway embedded
 * database and the local LLM server) driven by Debian's Chromium. Playwright's own browser
 * download does not work offline; scripts/ensure-browser.sh installs /usr/bin/chromium instead.
 */
const PORT = E2E_APP_PORT;
const baseURL = `http://127.0.0.1:${PORT}`;
const clerkURL = `http://127.0.0.1:${E2E_CLERK_APP_PORT}`;

const launcher = {
  // Never test whatever else may answer on this port: always start our own server.
  reuseExistingServer: false,
  // A clean stop of the launcher (Next, the LLM server, PostgreSQL); its watchdog cleans up after a kill too.
  gracefulShutdown: { signal: "SIGTERM" as const, timeout: 15_000 },
  stdout: "pipe" as const,
  stderr: "pipe" as const,
};
/**
 * Always the local stand-ins, whatever a developer's .env.local says: e2e must never reach a real
 * database or spend money at OpenRouter. (Empty counts as unset in lib/env.ts.)
 */
const localStandIns = {
  NEXT_TELEMETRY_DISABLED: "1",
  DATABASE_URL: "",
  SUPABASE_URL: "",
  OPENROUTER_API_KEY: "",
  OPENROUTER_BASE_URL: "",
  SESSION_SECRET: "e2e-session-secret-0123456789abcdef0123456789",
  // The e2e tests chat more than a person would in a minute.
  RATE_LIMIT_PER_MINUTE: "600",
};
const noClerk = { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: "", CLERK_SECRET_KEY: "", CLERK_JWT_KEY: "" };

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }], ["json", { outputFile: "test-results/summary/e2e.json" }]],
  timeout: 60_000,
  // Generous: CI machines are busy; every wait is still bounded.
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [
    {
      command: `npm run build && npm run start:local -- --port ${PORT} --ephemeral`,
      url: `${baseURL}/api/health`,
      timeout: 360_000,
      ...launcher,
      env: {
        ...localStandIns,
        LOCAL_DB_PORT: String(E2E_DB_PORT),
        LOCAL_LLM_PORT: String(E2E_LLM_PORT),
        APP_URL: baseURL,
        AUTH_MODE: "dev",
        ...noClerk,
        // tests/e2e/admin*.spec.ts sign in as "E2E Admin" (dev_e2e_admin), made an admin on the first admin request.
        ADMIN_USER_IDS: "dev_e2e_admin",
      },
    },
    // The same build again, signing in with Clerk (test keys; tests/e2e/clerk.spec.ts). Web servers start
    // one after the other, so the build above is done when this one starts.
    {
      command: `npm run start:local -- --port ${E2E_CLERK_APP_PORT} --ephemeral`,
      url: `${clerkURL}/api/health`,
      timeout: 120_000,
      ...launcher,
      env: {
        ...localStandIns,
        LOCAL_DB_PORT: String(E2E_CLERK_DB_PORT),
        LOCAL_LLM_PORT: String(E2E_CLERK_LLM_PORT),
        APP_URL: clerkURL,
        AUTH_MODE: "",
        NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: TEST_CLERK_PUBLISHABLE_KEY,
        CLERK_SECRET_KEY: TEST_CLERK_SECRET_KEY,
        CLERK_JWT_KEY: TEST_CLERK_PUBLIC_KEY,
        NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED: "1",
      },
    },
  ],
});
