import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startLocalPostgres } from "../../scripts/db/local-postgres";
import { getFreePort } from "@/scripts/free-port";

function tempRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tokenmeter-lp-"));
  chmodSync(dir, 0o755);
  return dir;
}

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

  it("an ephemeral cluster answers queries and is deleted on stop", async () => {
    const db = await startLocalPostgres({ dataDir: path.join(tempRoot(), "pg"), port: await getFreePort(), ephemeral: true, fast: true });
    expect(await selectOne(db.url)).toBe(1);
    await db.stop();
    expect(existsSync(db.dataDir)).toBe(false);
  });
});
