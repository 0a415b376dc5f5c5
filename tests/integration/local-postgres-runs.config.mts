import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * A miniature `npm run test:integration` for local-postgres-runs.test.ts: the real global setup
 * (a throwaway PostgreSQL with the migrations) and one probe test that passes, fails or hangs.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export default defineConfig({
  root,
  test: {
    include: ["tests/integration/local-postgres-runs.probe.ts"],
    globalSetup: ["tests/integration/setup/global-setup.ts"],
    environment: "node",
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
