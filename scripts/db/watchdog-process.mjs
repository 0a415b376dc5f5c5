// The watchdog of a process that starts PostgreSQL clusters (and Next.js): a small detached process,
// in its own session so a terminal's Ctrl-C does not reach it, that reads its parent's instructions
// from its stdin pipe (one JSON object a line, see watchdog.ts). When that pipe closes, the parent
// has exited, however it ended (SIGKILL included): the watchdog then stops what is still registered
// (process groups first, then clusters), removes the folders it was told to, and exits. After a
// normal stop everything has been forgotten, so it just exits.
//
// Plain JavaScript on purpose: it must run with a bare `node`, whatever the parent runs under.
// TOKENMETER_WATCHDOG_LOG=<file> appends what it does to that file.
import { appendFileSync } from "node:fs";
import { isRunning, postmasterOf, removeTree, stopGroup, stopPostmaster } from "./processes.mjs";

const logFile = process.env.TOKENMETER_WATCHDOG_LOG;
const log = (line) => {
  if (logFile) {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} watchdog ${process.pid}: ${line}\n`);
    } catch {
      // nowhere to log
    }
  }
};

// Own session already; SIGINT/SIGHUP can only come from someone aiming at groups we are not in.
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});

/** id -> { kind: "cluster", dataDir, remove, pid?, startTime? } | { kind: "group", pgid, startTime? } */
const entries = new Map();

function handle(message) {
  switch (message.op) {
    case "cluster":
      entries.set(message.id, { kind: "cluster", dataDir: message.dataDir, remove: message.remove ?? [] });
      break;
    case "pid": {
      const entry = entries.get(message.id);
      if (entry) Object.assign(entry, { pid: message.pid, startTime: message.startTime ?? undefined });
      break;
    }
    case "group":
      entries.set(message.id, { kind: "group", pgid: message.pgid, startTime: message.startTime ?? undefined });
      break;
    case "forget":
      entries.delete(message.id);
      break;
    default:
      log(`unknown message ${JSON.stringify(message)}`);
  }
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    if (!line.trim()) continue;
    try {
      handle(JSON.parse(line));
    } catch (error) {
      log(`bad line ${line}: ${error}`);
    }
  }
});
process.stdin.once("end", () => void cleanUp("parent gone"));
process.stdin.once("error", (error) => void cleanUp(`stdin error ${error.code ?? error}`));

let cleaning = false;
async function cleanUp(reason) {
  if (cleaning) return;
  cleaning = true;
  const all = [...entries.values()];
  if (all.length === 0) process.exit(0);
  log(`${reason}: cleaning up ${all.length} entr${all.length === 1 ? "y" : "ies"}`);
  setTimeout(() => {
    log("gave up after 90 s");
    process.exit(1);
  }, 90_000);

  // Next.js (and an initdb in progress) first: they are clients of the database.
  await Promise.all(
    all
      .filter((entry) => entry.kind === "group")
      .map(async (entry) => {
        if (entry.startTime && isRunning(entry.pgid) && !isRunning(entry.pgid, entry.startTime)) return; // pid reused: not ours
        log(`process group ${entry.pgid}: ${await stopGroup(entry.pgid)}`);
      }),
  );
  await Promise.all(
    all
      .filter((entry) => entry.kind === "cluster")
      .map(async (entry) => {
        const targets = new Map();
        if (entry.pid && isRunning(entry.pid, entry.startTime)) targets.set(entry.pid, entry.startTime);
        const fromPidFile = postmasterOf(entry.dataDir);
        if (fromPidFile && !targets.has(fromPidFile.pid)) targets.set(fromPidFile.pid, fromPidFile.startTime);
        for (const [pid, startTime] of targets) log(`postmaster ${pid} on ${entry.dataDir}: ${await stopPostmaster(pid, { startTime })}`);
        for (const dir of entry.remove) {
          await removeTree(dir).catch((error) => log(`could not remove ${dir}: ${error.message}`));
          log(`removed ${dir}`);
        }
      }),
  );
  process.exit(0);
}
