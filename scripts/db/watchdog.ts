import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { readStat } from "./processes.mjs";

/**
 * The parent's side of watchdog-process.mjs: one watchdog per process, started on first use. It outlives
 * this process only to clean up after it: registered clusters are stopped (and their folders
 * removed), registered process groups are ended, as soon as this process exits by any means.
 * Neither the watchdog nor its pipe keeps this process's event loop alive.
 */

export type Watch = {
  /** The postmaster's pid, as soon as it is spawned (before it has written postmaster.pid). */
  setPid: (pid: number) => void;
  /** Stopped and cleaned up normally: nothing left for the watchdog to do. */
  forget: () => void;
};

type State = { child?: ChildProcess; broken: boolean; nextId: number };

// Shared by every copy of this module in the process (vitest re-evaluates modules per test file).
const STATE_KEY = Symbol.for("tokenmeter.watchdog");
const WATCHDOG = fileURLToPath(new URL("./watchdog-process.mjs", import.meta.url));

function state(): State {
  const holder = globalThis as unknown as Record<symbol, State | undefined>;
  return (holder[STATE_KEY] ??= { broken: false, nextId: 1 });
}

function send(message: Record<string, unknown>): void {
  const current = state();
  if (current.broken) return;
  if (!current.child) {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // plain node: no loaders, no inspector
    try {
      const child = spawn(process.execPath, [WATCHDOG], { detached: true, stdio: ["pipe", "ignore", "ignore"], cwd: "/", env });
      child.on("error", () => (current.broken = true));
      child.stdin!.on("error", () => (current.broken = true));
      child.unref();
      (child.stdin as Socket).unref();
      current.child = child;
    } catch {
      current.broken = true;
      return;
    }
  }
  current.child.stdin!.write(`${JSON.stringify(message)}\n`);
}

function nextId(): string {
  return `${process.pid}-${state().nextId++}`;
}

/** Stop the cluster on dataDir (and remove `remove`) if this process dies before forget(). */
export function watchCluster(dataDir: string, remove: string[]): Watch {
  const id = nextId();
  send({ op: "cluster", id, dataDir, remove });
  return {
    setPid: (pid) => send({ op: "pid", id, pid, startTime: readStat(pid)?.startTime ?? null }),
    forget: () => send({ op: "forget", id }),
  };
}

/** End the process group led by pid (a detached child: Next.js, initdb) if this process dies before forget(). */
export function watchProcessGroup(pid: number): Pick<Watch, "forget"> {
  const id = nextId();
  send({ op: "group", id, pgid: pid, startTime: readStat(pid)?.startTime ?? null });
  return { forget: () => send({ op: "forget", id }) };
}
