#!/usr/bin/env node
// After the test suite: fails if a PostgreSQL started from this checkout is still running, i.e. one
// whose binary, data directory (its working directory) or command line points at this checkout,
// at the binary cache (tokenmeter-pg-bin-*) or at one of our temp folders (tokenmeter-*).
// A watchdog may still be stopping one when the tests end, so it waits (15 s by default) for them
// to go before failing, and prints what it found either way. Linux (/proc) only; elsewhere it passes.
//
//   node scripts/ci/check-no-postgres.mjs [--wait <seconds>] [--only <path>]
//
// --only narrows the check to processes that mention <path> (tests use it on their own folders).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { listPostgresProcesses } from "../db/processes.mjs";

const { values } = parseArgs({ options: { wait: { type: "string", default: "15" }, only: { type: "string" } } });
const waitMs = Number(values.wait) * 1000;
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function pointsAtUs(text) {
  if (!text) return false;
  if (values.only) return text.includes(values.only);
  return text.includes(checkout) || /(^|[\s/])tokenmeter-[^\s/]+/.test(text);
}

function ours() {
  return listPostgresProcesses().filter((p) => pointsAtUs(p.exe) || pointsAtUs(p.cwd) || pointsAtUs(p.cmdline));
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
