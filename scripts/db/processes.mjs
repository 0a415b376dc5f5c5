// Process and folder helpers shared by the PostgreSQL driver (local-postgres.ts), its watchdog
// (watchdog-process.mjs), the sweep of stale clusters (temp-dirs.ts) and the CI check
// (scripts/ci/check-no-postgres.mjs). Plain JavaScript with node: imports only, so the watchdog and
// the CI check run with a bare `node`, tsx or not. Types: processes.d.mts.
import { existsSync, readFileSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";

/** Written into every folder and cluster we create, so a later run can tell whether its owner is gone. */
export const OWNER_FILE = ".tokenmeter-owner.json";

const HAS_PROC = existsSync("/proc/self/stat");

/** /proc/<pid>/stat, parsed; undefined when the process is gone (or there is no /proc). */
export function readStat(pid) {
  if (!HAS_PROC || !Number.isInteger(pid) || pid <= 0) return undefined;
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" "); // fields[0] is field 3 (state)
  return {
    pid,
    comm,
    state: fields[0],
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    startTime: fields[19], // field 22: start time in clock ticks since boot, stable for the life of the process
  };
}

/** Who we are, as an owner: pid plus start time, so a recycled pid is not mistaken for us. */
export function currentOwner() {
  return { pid: process.pid, startTime: readStat(process.pid)?.startTime ?? null };
}

/** True while the process runs (a zombie does not count) and, if given, has the same start time. */
export function isRunning(pid, startTime) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (HAS_PROC) {
    const stat = readStat(pid);
    if (!stat || stat.state === "Z" || stat.state === "X") return false;
    return startTime == null || stat.startTime === String(startTime);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

export function ownerAlive(owner) {
  return Boolean(owner) && isRunning(owner.pid, owner.startTime);
}

export function readOwnerFile(file) {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8"));
    return Number.isInteger(owner?.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** True while any live (non-zombie) process is in the process group. */
export function groupRunning(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (error.code !== "EPERM") return false;
  }
  if (!HAS_PROC) return true;
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") return true;
  }
  return false;
}

/** Sends a signal; false when there was nobody to receive it. */
export function sendSignal(pid, signal) {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check() is false; true if that happened within ms. */
export async function waitUntilGone(check, ms) {
  const deadline = Date.now() + ms;
  while (check()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops a PostgreSQL server by its postmaster's pid: SIGINT (fast shutdown: sessions are ended,
 * a checkpoint is written), then SIGQUIT (immediate shutdown), then SIGKILL. Its own children notice
 * the postmaster's death and exit. Returns how it ended.
 */
export async function stopPostmaster(pid, { startTime, fastMs = 20_000, immediateMs = 5_000 } = {}) {
  const running = () => isRunning(pid, startTime);
  if (!running()) return "gone";
  for (const [signal, ms] of [
    ["SIGINT", fastMs],
    ["SIGQUIT", immediateMs],
    ["SIGKILL", 5_000],
  ]) {
    if (!running()) break;
    sendSignal(pid, signal);
    if (await waitUntilGone(running, ms)) return signal;
  }
  return running() ? "still running" : "SIGKILL";
}

/** Stops a whole process group (Next.js and its workers): SIGTERM, then SIGKILL. */
export async function stopGroup(pgid, { termMs = 5_000 } = {}) {
  if (!groupRunning(pgid)) return "gone";
  sendSignal(-pgid, "SIGTERM");
  if (await waitUntilGone(() => groupRunning(pgid), termMs)) return "SIGTERM";
  sendSignal(-pgid, "SIGKILL");
  await waitUntilGone(() => groupRunning(pgid), 5_000);
  return "SIGKILL";
}

/** The pid in <dataDir>/postmaster.pid, if any. */
export function readPostmasterPid(dataDir) {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function realpathOrSelf(file) {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function readLink(file) {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The live PostgreSQL server that owns <dataDir> according to its postmaster.pid: its pid is running,
 * is a postgres process, and runs on that folder (its -D argument or its working directory, which
 * the postmaster sets to the data directory). Without /proc, a live pid is taken on trust.
 */
export function postmasterOf(dataDir) {
  const pid = readPostmasterPid(dataDir);
  if (pid === undefined || !isRunning(pid)) return undefined;
  if (!HAS_PROC) return { pid, startTime: undefined };
  const stat = readStat(pid);
  const cmdline = readCmdline(pid);
  if (!stat || !(stat.comm === "postgres" || (cmdline[0] ?? "").endsWith("postgres"))) return undefined;
  const want = realpathOrSelf(dataDir);
  const dashD = cmdline.indexOf("-D");
  const onDir =
    (dashD >= 0 && cmdline[dashD + 1] !== undefined && realpathOrSelf(cmdline[dashD + 1]) === want) ||
    readLink(`/proc/${pid}/cwd`) === want;
  return onDir ? { pid, startTime: stat.startTime, ppid: stat.ppid } : undefined;
}

function listPids() {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Every running PostgreSQL process (postmasters and their children) visible in /proc, with what
 * tells where it comes from: its binary, its working directory (the data directory) and command line.
 */
export function listPostgresProcesses() {
  const found = [];
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (!stat || stat.state === "Z" || stat.state === "X") continue;
    const cmdline = readCmdline(pid);
    const exe = readLink(`/proc/${pid}/exe`);
    const isPostgres = stat.comm === "postgres" || (exe ?? "").endsWith("/postgres") || (cmdline[0] ?? "").startsWith("postgres:");
    if (!isPostgres) continue;
    found.push({ pid, ppid: stat.ppid, cmdline: cmdline.join(" "), cwd: readLink(`/proc/${pid}/cwd`), exe });
  }
  return found;
}

/** rm -rf that tolerates someone else (a watchdog, a sweep) removing the same folder at the same time. */
export async function removeTree(dir) {
  let lastError;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      lastError = error;
    }
    if (!existsSync(dir)) return;
    await sleep(100);
  }
  throw lastError ?? new Error(`could not remove ${dir}`);
}
