import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  OWNER_FILE,
  currentOwner,
  ownerAlive,
  postmasterOf,
  readOwnerFile,
  removeTree,
  stopPostmaster,
} from "./processes.mjs";

/**
 * Our throwaway folders in the system temp dir: `tokenmeter-<kind>-XXXXXX` (db: the launcher's
 * --ephemeral cluster, it: the integration tests', bench: the benchmarks', lp: local-postgres tests).
 * Each carries an owner file (pid and start time of the process that made it). A folder whose owner
 * is gone is a leftover (the owner was SIGKILLed and its watchdog could not finish): the next start
 * stops the PostgreSQL still running in it, if any, and removes it.
 */

const LEGACY_NAME = /^tokenmeter-(db|lp|lt|it|bench)-[A-Za-z0-9]{6}$/;
const PARTIAL_CACHE = /^\.tokenmeter-pg-bin-.+\.tmp-[A-Za-z0-9]{6}$/; // an interrupted copy of the binaries
const LEGACY_STALE_MS = 10 * 60 * 1000;
const EMPTY_STALE_MS = 60 * 1000;

/** Every folder from `dir` up to `/` can be traversed by other users (PostgreSQL runs as user postgres when we are root). */
export function traversableByOthers(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (path.dirname(current) === current) return true;
  }
}

/** The system temp dir, or /tmp when TMPDIR is a folder user postgres cannot reach. */
export function sharedTempDir(): string {
  const tmp = os.tmpdir();
  if (process.platform === "win32" || traversableByOthers(tmp) || !traversableByOthers("/tmp")) return tmp;
  return "/tmp";
}

/** A fresh `tokenmeter-<kind>-XXXXXX` folder (0755) owned by this process. */
export function makeTempDir(kind: string): string {
  const dir = mkdtempSync(path.join(sharedTempDir(), `tokenmeter-${kind}-`));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as user postgres and must traverse it
  writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify({ ...currentOwner(), createdAt: new Date().toISOString() }));
  return dir;
}

/** A folder made by makeTempDir (it is removed with the ephemeral cluster inside it). */
export function isOwnedTempDir(dir: string): boolean {
  return path.basename(dir).startsWith("tokenmeter-") && existsSync(path.join(dir, OWNER_FILE));
}

/** Stops and removes the clusters left behind by processes that are gone. Never throws. */
export async function sweepStaleTempDirs(log: (line: string) => void): Promise<void> {
  const roots = [...new Set([os.tmpdir(), sharedTempDir()])];
  await Promise.all(roots.flatMap((root) => listEntries(root).map((name) => sweepOne(path.join(root, name), name, log))));
}

function listEntries(root: string): string[] {
  try {
    return readdirSync(root).filter((name) => name.startsWith("tokenmeter-") || PARTIAL_CACHE.test(name));
  } catch {
    return [];
  }
}

async function sweepOne(dir: string, name: string, log: (line: string) => void): Promise<void> {
  try {
    const stat = statSync(dir);
    if (!stat.isDirectory() || (typeof process.getuid === "function" && stat.uid !== process.getuid())) return;
    if (PARTIAL_CACHE.test(name)) {
      if (Date.now() - stat.mtimeMs > LEGACY_STALE_MS) await removeTree(dir);
      return;
    }
    const owner = readOwnerFile(path.join(dir, OWNER_FILE));
    if (owner) {
      if (ownerAlive(owner)) return;
    } else {
      // Without an owner file: made before owner files existed, or emptied by an interrupted removal.
      const age = Date.now() - stat.mtimeMs;
      const empty = readdirSync(dir).length === 0;
      if (!LEGACY_NAME.test(name) || age < (empty ? EMPTY_STALE_MS : LEGACY_STALE_MS)) return; // not ours, or being made right now
    }
    // The clusters inside (usually `pg`): stop any server still running there.
    const clusters = readdirSync(dir).map((entry) => path.join(dir, entry));
    for (const dataDir of clusters) {
      const postmaster = postmasterOf(dataDir);
      if (!postmaster) continue;
      if (!owner && postmaster.ppid !== undefined && postmaster.ppid !== 1) return; // a legacy run still alive
      log(`stopping PostgreSQL (pid ${postmaster.pid}) left running in ${dataDir} by a process that is gone`);
      await stopPostmaster(postmaster.pid, { startTime: postmaster.startTime });
    }
    await removeTree(dir);
    log(`removed ${dir}, left behind by ${owner ? `pid ${owner.pid}, which is gone` : "an earlier run"}`);
  } catch {
    // removed meanwhile by another sweep or its watchdog, or not ours to remove
  }
}
