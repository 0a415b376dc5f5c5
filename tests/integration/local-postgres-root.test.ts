import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { LocalPostgresError, makeTempDir, startLocalPostgres, type LocalPostgres } from "../../scripts/db/local-postgres";
import { packagedBinaries } from "../../scripts/db/postgres-binaries";
import { removeTree } from "../../scripts/db/processes.mjs";
import { isRoot, postgresUnder } from "./local-postgres-helpers";
import { getFreePort } from "@/scripts/free-port";

/**
 * As root (this machine, CI, containers), PostgreSQL runs as user postgres. A clone inside a folder
 * only root may enter (mode 0700, like /root) is simulated with a copy of the binaries in such a
 * folder: they must be copied once to a cache user postgres can reach, and the data directory must
 * move out of it too.
 */

const roots: string[] = [];
function tempRoot(): string {
  const dir = makeTempDir("lp");
  roots.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of roots) await removeTree(dir);
});

/** A "clone" in a 0700 folder, with its own copy of the PostgreSQL binaries (symlinks kept). */
function privateClone(): { clone: string; nativeDir: string } {
  const home = path.join(tempRoot(), "root-home");
  mkdirSync(home, { mode: 0o700 });
  chmodSync(home, 0o700);
  const clone = path.join(home, "tokenmeter");
  const nativeDir = path.join(clone, "node_modules", "native");
  cpSync(packagedBinaries().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
  return { clone, nativeDir };
}

async function selectUser(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ u: string }>("select current_user as u")).rows[0]!.u;
  } finally {
    await client.end();
  }
}

describe.runIf(isRoot)("as root, a clone in a folder only root may enter", () => {
  const version = packagedBinaries().version;
  const postgresIds = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
  });

  it("gets a working cluster: binaries copied once to a cache user postgres can reach, data dir moved out", async () => {
    const { clone, nativeDir } = privateClone();
    const cacheRoot = tempRoot();
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const dataDir = path.join(clone, ".data", "postgres");
    const first = await startLocalPostgres({ dataDir, port: await getFreePort(), ephemeral: true, fast: true, nativeDir, binaryCacheDir: cacheRoot, log });
    let second: LocalPostgres | undefined;
    try {
      // The situation is real: user postgres cannot run the binaries where they are.
      const direct = spawnSync(path.join(nativeDir, "bin", "initdb"), ["--version"], { ...postgresIds(), cwd: "/" });
      expect(direct.error?.message ?? `exit ${direct.status}`).toMatch(/EACCES/);

      expect(await selectUser(first.url)).toBe("postgres");
      expect(first.dataDir.startsWith(clone)).toBe(false); // moved out of the 0700 folder

      const cache = path.join(cacheRoot, `tokenmeter-pg-bin-${version}`);
      expect(lines.join("\n")).toContain(`copying the PostgreSQL binaries to ${cache}`);
      expect(statSync(cache).mode & 0o777).toBe(0o755);
      expect(existsSync(path.join(cache, ".complete"))).toBe(true);
      expect(statSync(path.join(cache, "bin", "postgres")).mode & 0o777).toBe(0o755);
      expect(lstatSync(path.join(cache, "lib", "libicuuc.so.60")).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(cache, "lib", "libicuuc.so.60"))).toBe("libicuuc.so.60.2");
      expect(readlinkSync(`/proc/${first.pid}/exe`)).toBe(path.join(cache, "bin", "postgres"));

      // Copied once: the next start uses the cache as it is.
      lines.length = 0;
      second = await startLocalPostgres({ dataDir: path.join(tempRoot(), "pg"), port: await getFreePort(), ephemeral: true, fast: true, nativeDir, binaryCacheDir: cacheRoot, log });
      expect(await selectUser(second.url)).toBe("postgres");
      expect(lines.join("\n")).not.toContain("copying");
      expect(readdirSync(cacheRoot).filter((name) => name.includes("pg-bin"))).toEqual([`tokenmeter-pg-bin-${version}`]);
    } finally {
      await first.stop();
      await second?.stop();
      await removeTree(path.dirname(first.dataDir)); // the moved data dir's parent (tokenmeter-pg-<hash>)
    }
    expect(postgresUnder(first.dataDir)).toEqual([]);
  }, 180_000);

  it("two starts filling the cache at once both get a working cluster", async () => {
    const { nativeDir } = privateClone();
    const cacheRoot = tempRoot();
    const dbs = await Promise.all(
      [0, 1].map(async () =>
        startLocalPostgres({ dataDir: path.join(tempRoot(), "pg"), port: await getFreePort(), ephemeral: true, fast: true, nativeDir, binaryCacheDir: cacheRoot }),
      ),
    );
    try {
      for (const db of dbs) expect(await selectUser(db.url)).toBe("postgres");
      // One cache, no half-made copy left behind.
      expect(readdirSync(cacheRoot).filter((name) => name.includes("pg-bin"))).toEqual([`tokenmeter-pg-bin-${version}`]);
    } finally {
      for (const db of dbs) await db.stop();
    }
  }, 180_000);

  it("refuses, in one line, a cache it cannot trust", async () => {
    const { nativeDir } = privateClone();
    const cacheRoot = tempRoot();
    const planted = path.join(cacheRoot, `tokenmeter-pg-bin-${version}`);
    mkdirSync(planted);
    chmodSync(planted, 0o777); // anyone could have put binaries in there
    const start = startLocalPostgres({ dataDir: path.join(tempRoot(), "pg"), port: await getFreePort(), ephemeral: true, nativeDir, binaryCacheDir: cacheRoot });
    const error = await start.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LocalPostgresError);
    expect((error as Error).message).toBe(`${planted} is not a PostgreSQL binary cache made by this user (owner, type or mode is wrong); remove it and start again.`);
    expect((error as Error).message).not.toContain("\n");
  }, 60_000);
});
