import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, startLocalPostgres } from "../../scripts/db/local-postgres";
import { removeTree } from "../../scripts/db/processes.mjs";
import { postgresUnder } from "./local-postgres-helpers";
import { getFreePort } from "@/scripts/free-port";

const roots: string[] = [];
function tempRoot(): string {
  const dir = makeTempDir("lp");
  roots.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of roots) await removeTree(dir);
});

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>("select 1 as n")).rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe("local PostgreSQL", () => {
  it("keeps data across restarts, stops cleanly and recovers from a stale postmaster.pid", async () => {
    const dataDir = path.join(tempRoot(), "pg");
    const port = await getFreePort();
    const first = await startLocalPostgres({ dataDir, port, fast: true });
    const setup = new pg.Client({ connectionString: first.url });
    await setup.connect();
    await setup.query("create table kept (v int); insert into kept values (42)");
    await setup.end();
    await first.stop();
    expect(existsSync(path.join(first.dataDir, "postmaster.pid"))).toBe(false);
    expect(postgresUnder(dataDir)).toEqual([]);

    // A crash leaves postmaster.pid behind with a pid that is no longer running.
    const deadPid = spawnSync("true").pid;
    writeFileSync(path.join(first.dataDir, "postmaster.pid"), `${deadPid}\n${first.dataDir}\n`);
    const second = await startLocalPostgres({ dataDir, port, fast: true });
    try {
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      expect((await client.query("select v from kept")).rows).toEqual([{ v: 42 }]);
      await client.end();
    } finally {
      await second.stop();
    }
  });

  it("says clearly when its port is taken", async () => {
    const port = await getFreePort();
    const blocker = net.createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => blocker.once("listening", resolve));
    try {
      await expect(startLocalPostgres({ dataDir: path.join(tempRoot(), "pg"), port })).rejects.toThrow(
        `Port ${port} is already in use; set LOCAL_DB_PORT`,
      );
    } finally {
      blocker.close();
    }
  });

  it("an ephemeral cluster answers queries and is deleted on stop, with the temp folder that holds it", async () => {
    const root = makeTempDir("lp");
    const db = await startLocalPostgres({ dataDir: path.join(root, "pg"), port: await getFreePort(), ephemeral: true, fast: true });
    expect(await selectOne(db.url)).toBe(1);
    await db.stop();
    expect(existsSync(db.dataDir)).toBe(false);
    expect(existsSync(root)).toBe(false);
    expect(postgresUnder(root)).toEqual([]);
  });

  it("refuses a second server on a folder whose server's owner is alive", async () => {
    const dataDir = path.join(tempRoot(), "pg");
    const db = await startLocalPostgres({ dataDir, port: await getFreePort(), fast: true });
    try {
      await expect(startLocalPostgres({ dataDir, port: await getFreePort(), fast: true })).rejects.toThrow(
        `A PostgreSQL server (pid ${db.pid}) is already running on ${dataDir}`,
      );
      expect(await selectOne(db.url)).toBe(1);
    } finally {
      await db.stop();
    }
  });

  it("an abort during the start stops what was started and removes the ephemeral folder", async () => {
    for (const after of ["initialising", "immediately"] as const) {
      const root = makeTempDir("lp");
      const controller = new AbortController();
      const log = (line: string) => {
        if (after === "initialising" && line.startsWith("initialising")) controller.abort(new Error("stop now"));
      };
      if (after === "immediately") setImmediate(() => controller.abort(new Error("stop now")));
      const start = startLocalPostgres({ dataDir: path.join(root, "pg"), port: await getFreePort(), ephemeral: true, fast: true, log, signal: controller.signal });
      await expect(start).rejects.toThrow("stop now");
      expect(postgresUnder(root)).toEqual([]);
      await removeTree(root); // made by us; startLocalPostgres removes it only once it has taken it over
    }
  });
});
