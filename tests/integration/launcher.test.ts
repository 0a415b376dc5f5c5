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

describe("npm run dev's launcher", () => {
  it("starts the database, the local LLM server and Next, and SIGTERM stops all of it cleanly", async () => {
    const { spawn } = await import("node:child_process");
    const { getFreePort } = await import("@/scripts/free-port");
    const net = await import("node:net");
    const [dbPort, llmPort, appPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const child = spawn(path.resolve("node_modules/.bin/tsx"), ["--conditions=react-server", "scripts/dev.ts", "--ephemeral", "--port", String(appPort)], {
      env: { ...process.env, LOCAL_DB_PORT: String(dbPort), LOCAL_LLM_PORT: String(llmPort), DATABASE_URL: "", OPENROUTER_API_KEY: "", OPENROUTER_BASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: false,
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/Ready in/.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`launcher did not get ready:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const health = await fetch(`http://127.0.0.1:${appPort}/api/health`);
      expect(await health.json()).toMatchObject({ status: "ok", database: "ok", llm: "ok" });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const listening = (port: number) =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect(port, "127.0.0.1");
          socket.once("connect", () => (socket.destroy(), resolve(true)));
          socket.once("error", () => resolve(false));
        });
      expect(await listening(dbPort)).toBe(false);
      expect(await listening(llmPort)).toBe(false);
      expect(await listening(appPort)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 90_000);
});
