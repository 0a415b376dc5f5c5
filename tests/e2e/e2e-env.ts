/** The e2e run's fixed local ports, shared by playwright.config.ts and the tests. */
export const E2E_APP_PORT = 3210;
export const E2E_DB_PORT = 54339;
export const E2E_LLM_PORT = 54340;
/** The run's embedded PostgreSQL: tests read the ledger and set caps there, as an admin would. */
export const E2E_DATABASE_URL = `postgresql://postgres:postgres@127.0.0.1:${E2E_DB_PORT}/postgres`;
