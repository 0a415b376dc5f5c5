/**
 * The e2e run's local ports, shared by playwright.config.ts and the tests. Fixed by default; a second
 * checkout on the same machine runs its own suite beside this one with E2E_APP_PORT, E2E_DB_PORT and
 * E2E_LLM_PORT (and E2E_CLERK_APP_PORT, E2E_CLERK_DB_PORT, E2E_CLERK_LLM_PORT) set to other free ports.
 */
function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1024 || parsed > 65535) throw new Error(`${name} must be a port number from 1024 to 65535 (got ${value})`);
  return parsed;
}

export const E2E_APP_PORT = port("E2E_APP_PORT", 3210);
export const E2E_DB_PORT = port("E2E_DB_PORT", 54339);
export const E2E_LLM_PORT = port("E2E_LLM_PORT", 54340);
/** The second server of the run: the same build, signing in with Clerk (test keys). */
export const E2E_CLERK_APP_PORT = port("E2E_CLERK_APP_PORT", 3211);
export const E2E_CLERK_DB_PORT = port("E2E_CLERK_DB_PORT", 54341);
export const E2E_CLERK_LLM_PORT = port("E2E_CLERK_LLM_PORT", 54342);
/** The run's embedded PostgreSQL: tests read the ledger and set caps there, as an admin would. */
export const E2E_DATABASE_URL = `postgresql://postgres:postgres@127.0.0.1:${E2E_DB_PORT}/postgres`;
