import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Runs `npm run dev`'s launcher with the given environment; it must fail before starting anything. */
function runLauncher(env: Record<string, string>) {
  const tsx = path.resolve("node_modules/.bin/tsx");
  return spawnSync(tsx, ["--conditions=react-server", "scripts/dev.ts"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("start-up configuration errors", () => {
  it.each([
    [{ LOCAL_DB_PORT: "not-a-port" }, /^Invalid configuration: LOCAL_DB_PORT: /],
    [{ DATABASE_URL: "mysql://localhost/db" }, /^Invalid configuration: DATABASE_URL must be a postgres/],
    [{ OPENROUTER_BASE_URL: "not a url" }, /^Invalid configuration: OPENROUTER_BASE_URL: /],
  ])("%o stops the launcher with one line naming the variable, no stack trace", (env, line) => {
    const result = runLauncher(env);
    expect(result.status).toBe(1);
    const errorLines = result.stderr.trim().split("\n");
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(line);
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
