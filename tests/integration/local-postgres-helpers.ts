import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { groupRunning, listPostgresProcesses, readStat, type PostgresProcess } from "../../scripts/db/processes.mjs";

/** Helpers for the launcher-* and local-postgres-* tests: what is still running, polled with deadlines. */

export { groupRunning };

/** PostgreSQL processes whose binary, data directory or command line mention `dir`. */
export function postgresUnder(dir: string): PostgresProcess[] {
  return listPostgresProcesses().filter((p) => [p.cwd, p.exe, p.cmdline].some((text) => text?.includes(dir)));
}

/** Our temp folders (tokenmeter-*) inside `dir`. */
export function tokenmeterDirsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.startsWith("tokenmeter-"));
  } catch {
    return [];
  }
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(2000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

/** Polls `check` until it holds; fails with `what` (and the last detail) after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 20_000, detail?: () => string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}${detail ? `\n${detail()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Live processes whose parent is `pid` and whose command line contains `needle`. */
export function childProcesses(pid: number, needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat || stat.ppid !== pid || stat.state === "Z") continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(needle)) out.push(stat.pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
