import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The built app (`next start` through our launcher, as playwright.config.ts starts it) on a given
 * database and LLM server. Runs in its own process group, so stop() ends the launcher and Next.js.
 */
export type AppServer = { url: string; buildId: string; stop: () => Promise<void> };

export type AppServerOptions = {
  root: string;
  port: number;
  env: Record<string, string>;
  startTimeoutMs?: number;
};

export function hasBuild(root: string): boolean {
  return existsSync(path.join(root, ".next", "BUILD_ID"));
}

/** Source files under app/, lib/ or components/ (and middleware.ts) written after the build was made: maybe changed since. */
export function sourcesNewerThanBuild(root: string): string[] {
  const builtAt = statSync(path.join(root, ".next", "BUILD_ID")).mtimeMs;
  const files = ["app", "lib", "components"].flatMap((dir) =>
    existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }).map((file) => path.join(dir, file)) : [],
  );
  return [...files, "middleware.ts"].filter((file) => {
    const full = path.join(root, file);
    return existsSync(full) && statSync(full).isFile() && statSync(full).mtimeMs > builtAt;
  });
}

export async function startBuiltApp(options: AppServerOptions): Promise<AppServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const buildId = readFileSync(path.join(options.root, ".next", "BUILD_ID"), "utf8").trim();
  // One process (tsx as a loader, not its CLI, whose signal relay gives up after 30 ms on a busy machine).
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/dev.ts", "--start", "--port", String(options.port)], {
    cwd: options.root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const tail: string[] = [];
  const remember = (data: Buffer) => {
    tail.push(...data.toString("utf8").split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout!.on("data", remember);
  child.stderr!.on("data", remember);
  // If this process exits before stop() has finished (a signal), the launcher still gets its SIGTERM.
  const onExit = () => signalGroup(child.pid, "SIGTERM");
  process.once("exit", onExit);
  const stop = async () => {
    await stopGroup(child);
    process.off("exit", onExit);
  };

  try {
    await waitForHealth(url, child, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n  last output:\n    ${tail.join("\n    ")}`);
  }
  return { url, buildId, stop };
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app exited early (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the app did not answer GET /api/health with 200 within ${timeoutMs} ms`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child.pid, "SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 8000).unref());
  if ((await Promise.race([exited, timer])) === "timeout") {
    signalGroup(child.pid, "SIGKILL");
    await exited;
  }
  signalGroup(child.pid, "SIGKILL"); // anything of ours left in the group
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal); // the group this child leads (detached), i.e. the launcher and next it started
  } catch {
    // already gone
  }
}
