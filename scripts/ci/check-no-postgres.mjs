#!/usr/bin/env node
// After the test suite: fails if a PostgreSQL started from this checkout is still running, i.e. one
// whose binary, data directory (its working directory) or command line points at this checkout, or
// one in a temp folder (tokenmeter-*) whose owner process runs from this checkout, or whose owner is
// gone while it runs our binaries (this checkout's, or the copy made for root, tokenmeter-pg-bin-*).
// Clusters of other checkouts on the same machine, still owned by their live processes, are not ours.
// A watchdog may still be stopping one when the tests end, so it waits (15 s by default) for them
// to go before failing, and prints what it found either way. Linux (/proc) only; elsewhere it passes.
//
//   node scripts/ci/check-no-postgres.mjs [--wait <seconds>] [--only <path>]
//
// --only narrows the check to processes that mention <path> (tests use it on their own folders).
import { existsSync, readlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { listPostgresProcesses, OWNER_FILE, ownerAlive, readOwnerFile } from "../db/processes.mjs";

const { values } = parseArgs({ options: { wait: { type: "string", default: "15" }, only: { type: "string" } } });
const waitMs = Number(values.wait) * 1000;
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const inside = (file) => Boolean(file) && (file === checkout || file.startsWith(`${checkout}/`));
const tempRootOf = (dir) => /^(.*\/tokenmeter-[^/\s]+)(\/|$)/.exec(dir ?? "")?.[1];

function cwdOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function isOurs(p) {
  if (values.only) return [p.exe, p.cwd, p.cmdline].some((text) => text?.includes(values.only));
  if (inside(p.exe) || inside(p.cwd) || p.cmdline.includes(checkout)) return true;
  const root = tempRootOf(p.cwd) ?? tempRootOf(/ -D (\S+)/.exec(p.cmdline)?.[1]);
  if (!root) return false;
  const owner = readOwnerFile(path.join(root, OWNER_FILE));
  if (owner && ownerAlive(owner)) return inside(cwdOf(owner.pid));
  return /\/tokenmeter-pg-bin-[^/]+\//.test(p.exe ?? "");
}

function ours() {
  return listPostgresProcesses().filter(isOurs);
}

if (!existsSync("/proc/self/stat")) {
  console.log("check-no-postgres: no /proc here; skipped");
  process.exit(0);
}

const scope = values.only ? `mentioning ${values.only}` : `from ${checkout} or its temp folders`;
const deadline = Date.now() + waitMs;
let found = ours();
if (found.length > 0) console.log(`check-no-postgres: ${found.length} PostgreSQL process(es) ${scope} still running; waiting up to ${values.wait} s`);
while (found.length > 0 && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  found = ours();
}
if (found.length === 0) {
  console.log(`check-no-postgres: no PostgreSQL ${scope} is running`);
  process.exit(0);
}
console.error(`check-no-postgres: FAILED, ${found.length} PostgreSQL process(es) ${scope} outlived the tests:`);
const pids = new Set(found.map((p) => p.pid));
for (const p of found.filter((p) => !pids.has(p.ppid))) {
  const children = found.filter((c) => c.ppid === p.pid).length;
  console.error(`  pid ${p.pid} (parent ${p.ppid}${children ? `, ${children} child process(es)` : ""}): ${p.cmdline}`);
  console.error(`      binary ${p.exe ?? "?"}, data dir ${p.cwd ?? "?"}`);
}
process.exit(1);
