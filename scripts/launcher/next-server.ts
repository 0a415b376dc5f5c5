import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { sendSignal, stopGroup } from "../db/processes.mjs";
import { watchProcessGroup } from "../db/watchdog";

/**
 * `next dev` or `next start` as a child in its own process group: a terminal's Ctrl-C reaches only
 * the launcher, which ends the whole group (Next.js and its workers) before stopping the database.
 * The watchdog ends the group too if the launcher dies first. Its output is passed through.
 */

export type NextServer = {
  pid: number;
  /** Resolves when it listens on its port and has said "Ready"; rejects if it exits first or on abort. */
  waitReady: (signal: AbortSignal) => Promise<void>;
  /** Calls back when it exits by itself (not through stop() or kill()). */
  onExit: (callback: (code: number | null, signal: NodeJS.Signals | null) => void) => void;
  /** SIGTERM to the group, SIGKILL after 10 s; resolves once the group is gone. Idempotent. */
  stop: () => Promise<void>;
  /** SIGKILL to the group, at once. */
  kill: () => void;
};

export function spawnNext(options: { root: string; mode: "dev" | "start"; port: number; env: NodeJS.ProcessEnv }): NextServer {
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const env = { ...options.env };
  if (process.stdout.isTTY && env.FORCE_COLOR === undefined) env.FORCE_COLOR = "1"; // keep its colours through our pipe
  const child = spawn(process.execPath, [nextBin, options.mode, "--port", String(options.port)], {
    cwd: options.root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start Next.js (${options.mode})`);
  const pid = child.pid;
  const watch = watchProcessGroup(pid);

  let recent = "";
  let saidReady = false;
  child.stdout!.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    recent = (recent + chunk.toString("utf8")).slice(-400);
    if (/\bReady in\b/.test(recent)) saidReady = true;
  });
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk));

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stopping: Promise<void> | undefined;
  let onOwnExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  child.once("exit", (code, signal) => {
    exit = { code, signal };
    if (!stopping) onOwnExit?.(code, signal);
  });

  return {
    pid,
    onExit: (callback) => (onOwnExit = callback),
    waitReady: async (signal) => {
      let listeningSince: number | undefined;
      for (;;) {
        signal.throwIfAborted();
        if (exit) throw new Error(`Next.js exited (${exit.signal ?? `code ${exit.code}`}) before it was ready`);
        if (await accepts(options.port)) {
          listeningSince ??= Date.now();
          // "Ready in" is printed right after listen(); don't wait for it forever if its wording changes.
          if (saidReady || Date.now() - listeningSince > 3000) return;
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        await stopGroup(pid, { termMs: 10_000 });
        watch.forget();
      })()),
    kill: () => {
      stopping ??= Promise.resolve();
      sendSignal(-pid, "SIGKILL");
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}
