import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { getFreePort } from "@/scripts/free-port";

/** scripts/llm-server.ts as a developer runs it: one line with the URL, a clean stop on a signal. */

const root = path.resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

async function startCli(args: string[], env: Record<string, string> = {}) {
  // `node --import tsx` is what `tsx` runs, minus its extra supervising process (a second start-up).
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/llm-server.ts", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const [firstLine] = (await once(lines, "line")) as [string];
  return { child, firstLine };
}

async function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, "exit");
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

describe("llm-server CLI", () => {
  // One spawn only: tsx start-up costs seconds. LOCAL_LLM_PORT is set to prove --port wins over it.
  it("prints its URL, serves, and stops cleanly on SIGTERM even with a request stalled", async () => {
    const [port, envPort] = [await getFreePort(), await getFreePort()];
    const { child, firstLine } = await startCli(["--port", String(port)], { LOCAL_LLM_PORT: String(envPort) });
    const origin = `http://127.0.0.1:${port}`;
    expect(firstLine).toContain(`${origin}/v1`);
    expect(await fetch(`${origin}/health`).then((r) => r.json())).toEqual({ status: "ok" });
    const stalled = fetch(`${origin}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "[[fault:stall]]" }] }),
    }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    expect(await stopWith(child, "SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await stalled).toBeInstanceOf(Error);
    await expect(fetch(`${origin}/health`)).rejects.toThrow();
  });
});
